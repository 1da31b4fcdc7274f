// tools/export_cli.h — the `dmabot export JOURNAL --jsonl [--out FILE]` command: renders a binary
// journal recording (RECORD_FORMAT=journal, core/journal.h) as the JSONL recording the recorder would
// have written (same lines, same bytes: config header, events with their seq, "end" footer). A JSONL
// recording given as input is copied through unchanged, so scripts need not care which one they have.
//
// Output: FILE (written to FILE.tmp.<pid>, renamed when complete) or stdout; a one-line summary on
// stderr. A journal cut short by a crash (a partial last slot) exports its whole slots, then warns.
// Exit codes: 0 ok (also for a cut-short journal: every whole event is exported, the warning says what
// was cut); 2 bad usage, IN missing / unreadable / not a recording, or a journal of another build's
// event layout; 1 FILE could not be written, or IN is damaged inside (a slot that does not decode).
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

namespace dmabot::tools {

int export_command(int argc, char** argv);

}  // namespace dmabot::tools
