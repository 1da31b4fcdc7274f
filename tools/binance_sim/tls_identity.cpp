#include "tools/binance_sim/tls_identity.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/strings.h"

namespace dmabot::binance_sim {

using core::str_cat;

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using X509Ptr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

std::string openssl_error(std::string_view step) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return str_cat("tls: ", step, " failed: ", buf);
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key`, named cn, signed by (issuer, issuer_key) or self-signed when issuer null.
X509Ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool is_ca) {
  X509Ptr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);  // v3
  // A random 64-bit serial: clients that cache certificates never see two sims' certs collide.
  unsigned char serial_bytes[8];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return nullptr;
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  if (!bn) return nullptr;
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Valid from an hour ago: a client clock slightly behind must not see "not yet valid".
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("dmabot binance-sim"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
         add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
         add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") &&
         add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (!ok) return nullptr;
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

std::string pem_cert(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return "";
  return bio_string(bio.get());
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

std::string make_tls_identity(const std::string& dir_in, TlsIdentity& out) {
  std::string dir = dir_in;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = str_cat(tmp && *tmp ? tmp : "/tmp", "/dmabot-binance-sim-XXXXXX");
    if (!mkdtemp(tmpl.data())) return str_cat("tls: cannot create a temp dir ", tmpl, ": ", std::strerror(errno));
    dir = tmpl;
  } else if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return str_cat("--tls-dir ", dir, ": cannot create: ", std::strerror(errno));
  }

  PkeyPtr ca_key(EVP_EC_gen("P-256"));
  if (!ca_key) return openssl_error("CA key generation");
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error("server key generation");
  X509Ptr ca = make_cert(ca_key.get(), "dmabot binance-sim CA", nullptr, nullptr, true);
  if (!ca) return openssl_error("CA certificate");
  X509Ptr cert = make_cert(key.get(), "localhost", ca.get(), ca_key.get(), false);
  if (!cert) return openssl_error("server certificate");

  out.ca_pem = pem_cert(ca.get());
  out.cert_chain_pem = pem_cert(cert.get()) + out.ca_pem;
  BioPtr kbio(BIO_new(BIO_s_mem()));
  if (!kbio || PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_error("writing the server key");
  out.key_pem = bio_string(kbio.get());
  if (out.ca_pem.empty() || out.cert_chain_pem.empty() || out.key_pem.empty()) return "tls: PEM encoding failed";

  // Temp + rename: a client polling for ca.pem never reads half of it.
  out.ca_file = str_cat(dir, "/ca.pem");
  const std::string tmp = str_cat(out.ca_file, ".tmp");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << out.ca_pem;
    f.close();
    if (!f) return str_cat("tls: cannot write ", tmp, ": ", std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), out.ca_file.c_str()) != 0)
    return str_cat("tls: cannot rename ", tmp, " to ", out.ca_file, ": ", std::strerror(errno));
  return "";
}

std::string load_tls_identity(const std::string& cert_file, const std::string& key_file, TlsIdentity& out) {
  if (!read_text(cert_file, out.cert_chain_pem) || out.cert_chain_pem.empty())
    return str_cat("--tls-cert ", cert_file, ": cannot read it");
  if (!read_text(key_file, out.key_pem) || out.key_pem.empty())
    return str_cat("--tls-key ", key_file, ": cannot read it");
  // Parse both now, so a wrong file fails at start with its name rather than at the first handshake.
  BioPtr cbio(BIO_new_mem_buf(out.cert_chain_pem.data(), static_cast<int>(out.cert_chain_pem.size())));
  X509Ptr cert(cbio ? PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return str_cat("--tls-cert ", cert_file, ": not a PEM certificate");
  }
  BioPtr kbio(BIO_new_mem_buf(out.key_pem.data(), static_cast<int>(out.key_pem.size())));
  PkeyPtr key(kbio ? PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    return str_cat("--tls-key ", key_file, ": not a PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return str_cat("--tls-key ", key_file, " does not match --tls-cert ", cert_file);
  }
  out.ca_pem = pem_cert(cert.get());
  out.ca_file = cert_file;
  return "";
}

}  // namespace dmabot::binance_sim
