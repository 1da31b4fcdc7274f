// tools/binance_sim/tls_identity.h — the sim's TLS identity: a throw-away CA made at start and a
// server certificate it signs, so clients can verify the sim like any other host (no "insecure"
// switches): SAN IP:127.0.0.1, IP:::1, DNS:localhost; ECDSA P-256 (fast to make, accepted by
// OpenSSL, Node and browsers); valid from an hour ago for 30 days.
//
// Threads: any one thread at start-up. Allocation: OpenSSL objects at start only.
// Errors: a one-line message naming the step or the file ("cannot write /x/ca.pem: Permission
// denied"); never the private keys.
#pragma once

#include <string>

namespace dmabot::binance_sim {

struct TlsIdentity {
  std::string cert_chain_pem;  // server certificate (then the CA) in PEM
  std::string key_pem;         // the server's private key (PKCS#8 PEM); stays in memory
  std::string ca_pem;          // the CA certificate clients trust
  std::string ca_file;         // where ca_pem was written ("" when serving given files)
};

// Generates a CA and a server certificate, and writes the CA to <dir>/ca.pem (dir created if
// missing; "" → a fresh mkdtemp directory under $TMPDIR or /tmp). "" on success, else the error.
[[nodiscard]] std::string make_tls_identity(const std::string& dir, TlsIdentity& out);

// Loads a given certificate chain and key (PEM files). ca_file is set to cert_file (a self-signed
// or CA-issued chain the client must already trust). "" on success, else the error.
[[nodiscard]] std::string load_tls_identity(const std::string& cert_file, const std::string& key_file,
                                            TlsIdentity& out);

}  // namespace dmabot::binance_sim
