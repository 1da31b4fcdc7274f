// core/input_sequence.h — what a decision stage took from its inputs, in which order and at what time:
// recorded in a live run, followed exactly in a replay.
//
// A threaded run's decisions depend on thread timing: which of a stage's input rings had an event when
// it looked, and what its clock said then. The decision stages (StrategyWorker, RiskStage,
// RouterStage) therefore take every input through an InputSequence:
//
//   if (!seq.may_take(kInput, event.ts_local)) break;   // before taking an event that is there
//   const UnixNanos now = seq.now();                    // the time the stage decides with
//   ... handle the event, pop it ...
//   seq.took();                                         // one event of the run taken
//   seq.end_run();                                      // end of the stage's poll
//
// A *run* is consecutive takes from one input within one poll, all handled at one time (the clock is
// read once when the run opens). A run also ends when an event is newer than the run's time (its
// producer stamped it after the clock read), so an event is never handled at a time before its own.
// Inputs whose content is not recorded anywhere else — control commands (a moodycamel queue fed by
// the control thread), book statuses (the live feed), live venues' position events (user data) and
// orders adopted at start — are taken with take_payload(): a run of one that carries the event's bytes.
//
// Modes (a plain branch, no virtual call):
//   kOff     no recording (JSONL or no RECORD_FILE): runs and times as in kRecord, nothing written.
//   kRecord  RECORD_FORMAT=journal (threaded runs): the runs are packed, up to kRunsPerBlock of them
//            (8 bytes each: input, count, time offset), into a 64-byte TakeBlock, pushed through the
//            stage's own tap ring with core::tap_blocking (lossless, no formatting, no allocation) when
//            it is full, before a payload take (a block of its own), when the stage has been idle
//            for about a millisecond (the clock is read once per 64 idle polls) and by flush() at
//            shutdown. The recorder writes each block as one journal "take" slot (core/journal.h).
//            One event per run — a stage that keeps up — costs one slot per six events, not one
//            each. A crash (kill -9) loses each stage's unfinished block: at most five runs, taken
//            within about the last millisecond of activity (or the last 64 idle polls).
//   kReplay  exact replay: the stage's recorded InputTakes, in order. may_take() says yes only for the
//            input the next record names and only for its count; now() is that record's time. The
//            stage, asked about any other input, does nothing with it this pass, so it takes exactly
//            what it took in the recorded run, in the same order, and decides at the same times.
//            payload() hands the recorded control command or book status.
//
// Stage and input ids (InputTake::stage / ::input) are the engine's: see core::take_ids below.
//
// Threads: the stage's thread only; position(), finished(), due() also from any thread once the stage
// stopped (the exact replay's driver reads them on the same thread). Allocation: none (replay reads
// records the driver owns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/clock.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
#include "core/tap.h"

namespace dmabot::core {

// One run of takes. 64 bytes: a journal slot's payload.
struct InputTake {
  UnixNanos ts = 0;              // the stage's time for the run (its clock when the run opened)
  uint32_t count = 0;            // events taken
  uint16_t stage = 0;            // take_ids::k*Stage
  uint8_t input = 0;             // the stage's input id
  uint8_t payload = 0;           // TakePayload
  unsigned char bytes[48] = {};  // the event, for payload runs (count = 1)
};
static_assert(std::is_trivially_copyable_v<InputTake> && sizeof(InputTake) == 64);

// A live venue's position event as risk decides with it (PositionEvent less what only orders it on the
// live rings: fills_before; the exchange's position with the unconfirmed fills added in).
struct PositionTake {
  UnixNanos ts_exchange = 0;
  int64_t exchange_raw = 0;  // PositionEvent::qty_raw + unconfirmed_raw
  int64_t entry_px_raw = 0;
  int64_t fees_raw = 0;
  SymbolId symbol = kNoSymbol;
  uint8_t venue = 0;
  char reason[sizeof(PositionEvent::reason)] = {};

  [[nodiscard]] static PositionTake of(const PositionEvent& e) noexcept {
    PositionTake t;
    t.ts_exchange = e.ts_exchange;
    t.exchange_raw = e.qty_raw + e.unconfirmed_raw;
    t.entry_px_raw = e.entry_px_raw;
    t.fees_raw = e.fees_raw;
    t.symbol = e.symbol;
    t.venue = e.venue;
    std::memcpy(t.reason, e.reason, sizeof t.reason);
    return t;
  }
  [[nodiscard]] PositionEvent event() const noexcept {
    PositionEvent e;
    e.ts_exchange = ts_exchange;
    e.qty_raw = exchange_raw;
    e.entry_px_raw = entry_px_raw;
    e.fees_raw = fees_raw;
    e.symbol = symbol;
    e.venue = venue;
    std::memcpy(e.reason, reason, sizeof reason);
    return e;
  }
};

// An order adopted at start (ON_START_OPEN_ORDERS=adopt: an earlier run's order still working on a
// live venue), as risk and the router take it over: the Order less its times.
struct AdoptTake {
  Price price;
  Qty qty;
  uint64_t client_id = 0;
  SymbolId symbol = kNoSymbol;
  Side side = Side::kBuy;
  TimeInForce tif = TimeInForce::kGtc;
  uint8_t venue = 0;
  uint8_t strategy = 0;

  [[nodiscard]] static AdoptTake of(const Order& o) noexcept {
    AdoptTake t;
    t.price = o.price;
    t.qty = o.qty;
    t.client_id = o.client_id;
    t.symbol = o.symbol;
    t.side = o.side;
    t.tif = o.tif;
    t.venue = o.venue;
    t.strategy = o.strategy;
    return t;
  }
  [[nodiscard]] Order order() const noexcept {
    Order o;
    o.price = price;
    o.qty = qty;
    o.client_id = client_id;
    o.symbol = symbol;
    o.side = side;
    o.tif = tif;
    o.venue = venue;
    o.strategy = strategy;
    return o;
  }
};

enum class TakePayload : uint8_t { kNone = 0, kControl = 1, kBookStatus = 2, kPosition = 3, kAdopt = 4 };
template <class T>
constexpr TakePayload take_payload_of() {
  static_assert(std::is_same_v<T, Control> || std::is_same_v<T, BookStatus> || std::is_same_v<T, PositionTake> ||
                std::is_same_v<T, AdoptTake>);
  return std::is_same_v<T, Control>        ? TakePayload::kControl
         : std::is_same_v<T, BookStatus>   ? TakePayload::kBookStatus
         : std::is_same_v<T, PositionTake> ? TakePayload::kPosition
                                           : TakePayload::kAdopt;
}
static_assert(sizeof(Control) <= sizeof(InputTake::bytes) && sizeof(BookStatus) <= sizeof(InputTake::bytes) &&
              sizeof(PositionTake) <= sizeof(InputTake::bytes) && std::is_trivially_copyable_v<PositionTake> &&
              sizeof(AdoptTake) <= sizeof(InputTake::bytes) && std::is_trivially_copyable_v<AdoptTake>);

// What a journal take slot holds: up to kRunsPerBlock runs of one stage, or one payload run.
// A packed run: input (bits 0-7) | count (8-23) | time - base_ts (24-63, ns: ~18 minutes).
struct TakeBlock {
  static constexpr int kRunsPerBlock = 6;
  UnixNanos base_ts = 0;  // the first run's time (a payload block: its time)
  uint16_t stage = 0;
  uint8_t n = 0;        // runs held (a payload block: 1)
  uint8_t payload = 0;  // TakePayload; not kNone: one run of one event from `input`, its bytes in `bytes`
  uint8_t input = 0;    // a payload block's input
  uint8_t reserved[3] = {};
  union {
    uint64_t runs[kRunsPerBlock];
    unsigned char bytes[48];
  };
  TakeBlock() : runs{} {}
  [[nodiscard]] static constexpr uint64_t pack(uint8_t input, uint32_t count, uint64_t dt) {
    return uint64_t{input} | (uint64_t{count} << 8) | (dt << 24);
  }
  // Run i (< n) as an InputTake.
  [[nodiscard]] InputTake take(int i) const {
    InputTake t;
    t.stage = stage;
    if (payload != 0) {
      t.ts = base_ts;
      t.count = 1;
      t.input = input;
      t.payload = payload;
      std::memcpy(t.bytes, bytes, sizeof bytes);
      return t;
    }
    t.input = static_cast<uint8_t>(runs[i] & 0xFF);
    t.count = static_cast<uint32_t>((runs[i] >> 8) & 0xFFFF);
    t.ts = base_ts + static_cast<UnixNanos>(runs[i] >> 24);
    return t;
  }
  static constexpr uint32_t kMaxCount = 0xFFFF;
  static constexpr uint64_t kMaxDt = (uint64_t{1} << 40) - 1;
};
static_assert(std::is_trivially_copyable_v<TakeBlock> && sizeof(TakeBlock) == 64);

// The engine's stage and input ids.
namespace take_ids {
inline constexpr uint16_t kRiskStage = 0;
inline constexpr uint16_t kRouterStage = 1;
inline constexpr uint16_t kFirstWorkerStage = 2;  // worker k (engine order) is stage 2 + k
// StrategyWorker inputs.
inline constexpr uint8_t kWorkerMd = 0, kWorkerExec = 1, kWorkerStatus = 2;
// RiskStage inputs: signals of worker i are kRiskSignals + i; the position events of live venue v are
// kRiskPositions + v (payloads: PositionTake); kRiskConfirmPositions: risk's confirmation round over the
// position differences it holds (time-driven: taken when it decides something).
inline constexpr uint8_t kRiskControl = 0, kRiskStatus = 1, kRiskMd = 2, kRiskExec = 3, kRiskEngineCancels = 4,
                         kRiskSignals = 5;
inline constexpr uint8_t kRiskPositions = 0xE0, kRiskMaxPositionVenues = 16, kRiskConfirmPositions = 0xF0;
// Risk and the router: an order adopted at start (payload AdoptTake), taken before the stage runs.
inline constexpr uint8_t kRiskAdopted = 0xF1, kRouterAdopted = 0xF1;
// RouterStage inputs: reports of venue v are kRouterVenue + v.
inline constexpr uint8_t kRouterOrders = 0, kRouterVenue = 1;
}  // namespace take_ids

class InputSequence {
 public:
  enum class Mode : uint8_t { kOff, kRecord, kReplay };

  explicit InputSequence(const Clock& clock) : clock_(&clock) {}

  // Cold, before the stage runs: record runs to `ring` (through core::tap_blocking, waits counted).
  void record_to(uint16_t stage, SpscRing<TakeBlock>* ring, Counter* waits) {
    mode_ = ring != nullptr ? Mode::kRecord : Mode::kOff;
    stage_ = stage;
    ring_ = ring;
    waits_ = waits;
  }
  // Cold, before the stage runs: follow takes[0, n) (owned by the caller, outliving the stage).
  void replay_from(const InputTake* takes, std::size_t n) {
    mode_ = Mode::kReplay;
    takes_ = takes;
    n_ = n;
    pos_ = 0;
    taken_ = 0;
  }
  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] bool replaying() const { return mode_ == Mode::kReplay; }

  // Before taking an event of `input` that is there (event_ts: its local time; INT64_MIN = none).
  // kOff / kRecord: always true (opens a run when needed). kReplay: true when the next recorded take
  // is from `input`.
  [[nodiscard]] bool may_take(uint8_t input, UnixNanos event_ts = INT64_MIN) noexcept {
    if (mode_ == Mode::kReplay) return replay_may_take(input);
    if (open_ && input == run_.input && event_ts <= run_.ts) return true;
    close_run();
    open_ = true;
    run_.input = input;
    run_.count = 0;
    run_.ts = clock_->now();
    return true;
  }
  // One event of the run was taken.
  void took() noexcept {
    if (mode_ == Mode::kReplay) {
      ++taken_;
    } else {
      ++run_.count;
    }
  }
  // kRecord: writes the unfinished block (cold: at shutdown, after the stage's thread stopped, or
  // from the stage's own thread).
  void flush() noexcept {
    if (block_.n != 0) {
      tap_blocking(ring_, block_, waits_);
      block_ = TakeBlock{};
    }
  }
  // kOff / kRecord: a payload event was taken (a run of one with its bytes; now() is its time).
  template <class T>
  void take_payload(uint8_t input, const T& e) noexcept {
    close_run();
    run_.input = input;
    run_.count = 1;
    run_.ts = clock_->now();
    if (mode_ == Mode::kRecord) {
      flush();  // order: the runs before it first
      TakeBlock b;
      b.base_ts = run_.ts;
      b.stage = stage_;
      b.n = 1;
      b.payload = static_cast<uint8_t>(take_payload_of<T>());
      b.input = input;
      std::memcpy(b.bytes, &e, sizeof e);
      tap_blocking(ring_, b, waits_);
      took_in_poll_ = true;
    }
    // now() is the payload's time until the run ends; the record is already written.
    open_ = true;
    run_.count = 0;
    run_.input = kNoInput;
  }
  // kReplay, after may_take(input) said yes for a payload input: the recorded event (false when the
  // record carries another kind; the take still counts).
  template <class T>
  [[nodiscard]] bool payload(T& out) const noexcept {
    const InputTake& t = takes_[pos_];
    if (t.payload != static_cast<uint8_t>(take_payload_of<T>())) return false;
    std::memcpy(&out, t.bytes, sizeof out);
    return true;
  }
  // A payload input read from its ring (kOff / kRecord: the ring's front, taken as a payload run) or
  // from the recording (kReplay: when the next take is from `input`). False: nothing to take now.
  template <class T>
  [[nodiscard]] bool take_payload_from(uint8_t input, SpscRing<T>* ring, T& out) noexcept {
    if (mode_ == Mode::kReplay) {
      if (!may_take(input)) return false;
      (void)payload(out);
      took();
      return true;
    }
    const T* p = ring != nullptr ? ring->front() : nullptr;
    if (p == nullptr) return false;
    out = *p;
    ring->pop();
    take_payload(input, out);
    return true;
  }
  // kReplay: the next take is from `input` (without taking it).
  [[nodiscard]] bool next_is(uint8_t input) const noexcept {
    std::size_t p = pos_;
    if (p < n_ && taken_ >= takes_[p].count) ++p;
    return p < n_ && takes_[p].input == input;
  }
  // The stage's time for what it handles now: the current run's (kRecord / kOff: read when the run
  // opened; kReplay: recorded). Outside any run (kOff / kRecord): the clock.
  [[nodiscard]] UnixNanos now() const noexcept {
    if (mode_ == Mode::kReplay || open_) return run_.ts;
    return clock_->now();
  }
  // End of the stage's poll (or of a loop over one input): the open run is written.
  void end_run() noexcept {
    if (mode_ != Mode::kRecord) {
      open_ = false;
      return;
    }
    close_run();
    if (took_in_poll_) {
      took_in_poll_ = false;
      idle_polls_ = 0;
    } else if (block_.n != 0 && (++idle_polls_ & 63) == 0 && clock_->now() - block_.base_ts > kIdleFlushNs) {
      flush();
    }
  }

  // kReplay: records followed completely, the record now due (index into the replayed takes), and
  // whether everything was followed.
  [[nodiscard]] std::size_t position() const noexcept {
    return pos_ < n_ && taken_ >= takes_[pos_].count ? pos_ + 1 : pos_;
  }
  [[nodiscard]] bool finished() const noexcept { return position() >= n_; }
  [[nodiscard]] const InputTake* due() const noexcept { return finished() ? nullptr : &takes_[position()]; }
  [[nodiscard]] uint64_t taken_of_due() const noexcept { return pos_ < n_ && taken_ < takes_[pos_].count ? taken_ : 0; }

 private:
  bool replay_may_take(uint8_t input) noexcept {
    if (pos_ >= n_) return false;
    if (taken_ >= takes_[pos_].count) {
      if (pos_ + 1 >= n_ || takes_[pos_ + 1].input != input) return false;
      ++pos_;
      taken_ = 0;
    } else if (takes_[pos_].input != input) {
      return false;
    }
    run_.ts = takes_[pos_].ts;
    return true;
  }
  void close_run() noexcept {
    if (open_ && run_.count != 0 && mode_ == Mode::kRecord) {
      took_in_poll_ = true;
      for (uint32_t left = run_.count; left != 0;) {  // a run of more than kMaxCount: several, same time
        const uint32_t c = left < TakeBlock::kMaxCount ? left : TakeBlock::kMaxCount;
        if (block_.n != 0 &&
            (run_.ts < block_.base_ts || static_cast<uint64_t>(run_.ts - block_.base_ts) > TakeBlock::kMaxDt)) {
          flush();  // the clock stepped back, or the block's first run is ~18 minutes old
        }
        if (block_.n == 0) {
          block_.base_ts = run_.ts;
          block_.stage = stage_;
        }
        block_.runs[block_.n++] = TakeBlock::pack(run_.input, c, static_cast<uint64_t>(run_.ts - block_.base_ts));
        if (block_.n == TakeBlock::kRunsPerBlock) flush();
        left -= c;
      }
    }
    open_ = false;
  }

  static constexpr uint8_t kNoInput = 0xFF;
  struct Run {
    UnixNanos ts = 0;
    uint32_t count = 0;
    uint8_t input = 0;
  };
  static constexpr int64_t kIdleFlushNs = 1'000'000;
  const Clock* clock_;
  Mode mode_ = Mode::kOff;
  uint16_t stage_ = 0;
  SpscRing<TakeBlock>* ring_ = nullptr;
  TakeBlock block_;  // kRecord: runs not written yet
  uint32_t idle_polls_ = 0;
  bool took_in_poll_ = false;
  Counter* waits_ = nullptr;
  Run run_;
  bool open_ = false;
  // kReplay
  const InputTake* takes_ = nullptr;
  std::size_t n_ = 0;
  std::size_t pos_ = 0;
  uint64_t taken_ = 0;
};

}  // namespace dmabot::core
