#include "strategy/registry.h"

#include <string>

#include "core/strings.h"

namespace dmabot::strategy {

namespace {

template <class S, class P>
absl::StatusOr<AnyStrategy> build(core::Config& cfg, const StrategyContext& ctx) {
  absl::StatusOr<P> p = P::from_config(cfg);
  if (!p.ok()) return p.status();
  return AnyStrategy(std::in_place_type<S>, *p, ctx);
}

}  // namespace

const std::vector<std::string_view>& strategy_names() {
  static const std::vector<std::string_view> names = {DynMm::kName, MeanReversion::kName, MaCrossover::kName,
                                                      VolBreakout::kName, AvellanedaStoikov::kName};
  return names;
}

absl::Status read_all_strategy_params(core::Config& cfg) {
  if (auto p = DynMmParams::from_config(cfg); !p.ok()) return p.status();
  if (auto p = MeanReversionParams::from_config(cfg); !p.ok()) return p.status();
  if (auto p = MaCrossoverParams::from_config(cfg); !p.ok()) return p.status();
  if (auto p = VolBreakoutParams::from_config(cfg); !p.ok()) return p.status();
  if (auto p = AvellanedaStoikovParams::from_config(cfg); !p.ok()) return p.status();
  return absl::OkStatus();
}

absl::StatusOr<AnyStrategy> make_strategy(std::string_view name, core::Config& cfg, const StrategyContext& ctx) {
  if (ctx.symbols == nullptr) return core::invalid("strategy '", name, "': no symbol table");
  if (ctx.slot == 0) return core::invalid("strategy '", name, "': slot 0 is reserved for the engine");
  if (name == DynMm::kName) return build<DynMm, DynMmParams>(cfg, ctx);
  if (name == MeanReversion::kName) return build<MeanReversion, MeanReversionParams>(cfg, ctx);
  if (name == MaCrossover::kName) return build<MaCrossover, MaCrossoverParams>(cfg, ctx);
  if (name == VolBreakout::kName) return build<VolBreakout, VolBreakoutParams>(cfg, ctx);
  if (name == AvellanedaStoikov::kName) return build<AvellanedaStoikov, AvellanedaStoikovParams>(cfg, ctx);
  std::string known;
  for (std::string_view n : strategy_names()) core::str_append(known, known.empty() ? "" : ", ", n);
  return core::invalid("unknown strategy '", name, "' (known: ", known, ")");
}

}  // namespace dmabot::strategy
