#include "core/events.h"

namespace dmabot::core {

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::kMdTick: return "md";
    case EventKind::kTrade: return "trade";
    case EventKind::kMarkPrice: return "mark";
    case EventKind::kSignal: return "sig";
    case EventKind::kOrder: return "ord";
    case EventKind::kExecReport: return "exec";
    case EventKind::kControl: return "ctl";
  }
  return "?";
}

std::string_view to_string(SignalAction a) {
  switch (a) {
    case SignalAction::kNew: return "new";
    case SignalAction::kCancel: return "cancel";
    case SignalAction::kReplace: return "replace";
  }
  return "?";
}

std::string_view to_string(TimeInForce t) {
  switch (t) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kPostOnly: return "POST_ONLY";
  }
  return "?";
}

std::string_view to_string(ExecStatus s) {
  switch (s) {
    case ExecStatus::kNew: return "NEW";
    case ExecStatus::kPartiallyFilled: return "PARTIALLY_FILLED";
    case ExecStatus::kFilled: return "FILLED";
    case ExecStatus::kCanceled: return "CANCELED";
    case ExecStatus::kRejected: return "REJECTED";
    case ExecStatus::kExpired: return "EXPIRED";
    case ExecStatus::kCancelRejected: return "CANCEL_REJECTED";
  }
  return "?";
}

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "none";
    case RejectReason::kPriceBand: return "price_band";
    case RejectReason::kPriceDeviation: return "price_deviation";
    case RejectReason::kNotionalOrder: return "notional_order";
    case RejectReason::kNotionalSymbol: return "notional_symbol";
    case RejectReason::kQpsSecond: return "qps_second";
    case RejectReason::kQpsMinute: return "qps_minute";
    case RejectReason::kInventory: return "inventory";
    case RejectReason::kDrawdown: return "drawdown";
    case RejectReason::kKillSwitch: return "kill_switch";
    case RejectReason::kNoMarket: return "no_market";
    case RejectReason::kBadOrder: return "bad_order";
    case RejectReason::kVenueReject: return "venue_reject";
    case RejectReason::kUnknownOrder: return "unknown_order";
    case RejectReason::kDailyLoss:
      return "daily_loss";
    case RejectReason::kStaleBook:
      return "stale_book";
    case RejectReason::kNotTrading:
      return "not_trading";
    case RejectReason::kCount: break;
  }
  return "?";
}

std::string_view to_string(ControlCommand c) {
  switch (c) {
    case ControlCommand::kNone:
      return "none";
    case ControlCommand::kCancelAll:
      return "cancel_all";
    case ControlCommand::kKillSwitchOn:
      return "kill_on";
    case ControlCommand::kKillSwitchOff:
      return "kill_off";
    case ControlCommand::kShutdown:
      return "shutdown";
    case ControlCommand::kSymbolHalt:
      return "symbol_halt";
    case ControlCommand::kSymbolResume:
      return "symbol_resume";
    case ControlCommand::kPositionAdjust:
      return "position_adjust";
  }
  return "?";
}

std::string_view to_string(KillCause c) {
  switch (c) {
    case KillCause::kNone:
      return "none";
    case KillCause::kManual:
      return "manual";
    case KillCause::kDrawdown:
      return "drawdown";
    case KillCause::kDailyLoss:
      return "daily_loss";
    case KillCause::kStart:
      return "start";
    case KillCause::kReconcile:
      return "reconcile";
    case KillCause::kUserData:
      return "user_data";
    case KillCause::kCommission:
      return "commission";
  }
  return "?";
}

std::string_view to_string(StaleReason r) {
  switch (r) {
    case StaleReason::kNone:
      return "none";
    case StaleReason::kDisconnected:
      return "disconnected";
    case StaleReason::kSilent:
      return "silent";
  }
  return "?";
}

}  // namespace dmabot::core
