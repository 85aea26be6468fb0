package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// A sink's seq never goes back, even when the state file is lost: each
// event sent has a higher seq than every event sent before to that sink for
// that check. The state keeps the last seq used per sink. A small file of
// its own, DIR/checks/ID.seq, reserves seqs ahead: before an event is
// queued with a seq above what the file reserves for its sink, the file is
// rewritten to reserve seqBlock more (so it is written once in seqBlock
// events, not for every one: a reporting sink has an event every run). The
// state records what the file reserves. The outbox file names carry the seq
// of every event not yet delivered.
//
// The next seq of a sink is one more than the highest of the state's and
// the outbox's and, when the state could not be read, what the seq file
// reserves (the state then written carries it on). A state that was read
// holds all the seq file holds, and above it there are only seqs of events
// never sent (scanOutbox removes them, or they are still in the outbox),
// which may be used again. After a lost state the seq jumps ahead by up to
// seqBlock.
//
// The seq file is not synced by itself: the state's save syncs its
// directory. After a power loss before that, the seq file may be old (then
// no state recorded the events numbered after it: they were never sent,
// and the next run removes them) or damaged. When the seq file is damaged,
// or the state file is damaged and there is no seq file, and the state
// cannot be read, what came before cannot be known: the next seq is then
// also above the clock in microseconds since 1970 (about 1.7e15, below
// 2^53, so receivers that read JSON numbers as doubles read it exactly),
// which is above every seq used before unless the clock went back. Only
// when the state file, the seq file and the outbox are all gone does a
// check start again from seq 1, as a new check does.

// seqBlock is how many seqs a write of the seq file reserves.
const seqBlock = 1000

// seqVersion is the schema version of a seq file.
const seqVersion = 1

// maxSeq is the largest seq: the largest integer a double holds exactly.
const maxSeq = 1<<53 - 1

type seqRecord struct {
	Version int               `json:"version"`
	Seq     map[string]uint64 `json:"seq"`
}

// readSeqFile reads a seq file: a missing one is (nil, false, nil), a
// damaged one (nil, true, reason).
func readSeqFile(path string) (seq map[string]uint64, exists bool, err error) {
	data, err := readFileCapped(path, maxSeqFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r seqRecord
	if err := dec.Decode(&r); err != nil {
		return nil, true, err
	}
	if dec.More() {
		return nil, true, errors.New("data after the record")
	}
	if r.Version != seqVersion {
		return nil, true, fmt.Errorf("unsupported version %d", r.Version)
	}
	for k, n := range r.Seq {
		if n > maxSeq {
			return nil, true, fmt.Errorf("seq %d of sink %q is above 2^53-1", n, k)
		}
	}
	return r.Seq, true, nil
}

func writeSeqFile(write writeFunc, path string, seq map[string]uint64) error {
	data, err := json.Marshal(seqRecord{Version: seqVersion, Seq: seq})
	if err != nil {
		return fmt.Errorf("encoding the seq file: %w", err)
	}
	if len(data) >= maxSeqFile {
		return fmt.Errorf("the seq file is %w", tooLarge(maxSeqFile))
	}
	return write(path, append(data, '\n'))
}

// entryName is the name of an outbox file: creation time, sink, seq. The
// time sorts the outbox oldest first.
func entryName(created time.Time, sinkKey string, seq uint64) string {
	return fmt.Sprintf("%020d-%s-%010d.json", created.UnixNano(), sinkKey, seq)
}

// parseEntryName reads the creation time, sink and seq out of an outbox
// file name.
func parseEntryName(name string) (created time.Time, key string, seq uint64, ok bool) {
	rest, ok := strings.CutSuffix(name, ".json")
	if !ok || len(rest) < 22 || rest[20] != '-' {
		return time.Time{}, "", 0, false
	}
	ns, err := strconv.ParseInt(rest[:20], 10, 64)
	if err != nil {
		return time.Time{}, "", 0, false
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 21 {
		return time.Time{}, "", 0, false
	}
	key = rest[21:i]
	seq, err = strconv.ParseUint(rest[i+1:], 10, 64)
	if err != nil || seq > maxSeq || !sinkName().MatchString(key) {
		return time.Time{}, "", 0, false
	}
	return time.Unix(0, ns), key, seq, true
}

// seqFloor is what a run knows of the seqs used before, besides its state.
type seqFloor struct {
	known  bool              // the state was read: it records every seq that may have been sent
	lost   bool              // the state file was there but unreadable
	outbox map[string]uint64 // the highest seq per sink in the outbox
}

// nextSeqs gives the seq of the next event to each sink in keys, and what
// the state must record as used (used: the seq file's reservations, when
// it was read, for every sink; the next seq for each key). file is the seq
// file to write before the events are queued, nil when what it reserves is
// enough; note says the seq file was damaged.
func nextSeqs(rec *Record, floor seqFloor, seqPath string, keys []string, now time.Time) (next, used, file map[string]uint64, note string, err error) {
	var saved map[string]uint64
	lost := false
	if !floor.known {
		var exists bool
		var serr error
		saved, exists, serr = readSeqFile(seqPath)
		if serr != nil {
			note = fmt.Sprintf("the seq file was unreadable (%s) and is replaced; seq continues above the clock", serr)
		}
		lost = serr != nil || (floor.lost && !exists)
	}
	used = map[string]uint64{}
	for k, n := range saved {
		used[k] = n
	}
	next = map[string]uint64{}
	// without a state that was read, or without a seq file of its own (one
	// removed, or a check's first event), the seq file is written
	write := !floor.known || !isRegularFile(seqPath)
	for _, k := range keys {
		f := max(rec.Seq[k], floor.outbox[k], saved[k])
		if us := now.UnixMicro(); lost && us > 0 {
			f = max(f, uint64(us))
		}
		if f >= maxSeq-seqBlock {
			return nil, nil, nil, note, fmt.Errorf("seq of sink %s would pass 2^53-1", k)
		}
		next[k], used[k] = f+1, f+1
		if next[k] > rec.SeqReserved[k] {
			write = true
		}
	}
	if !write {
		return next, used, nil, note, nil
	}
	file = map[string]uint64{}
	for _, m := range []map[string]uint64{saved, rec.SeqReserved, rec.Seq} {
		for k, n := range m {
			file[k] = max(file[k], n)
		}
	}
	for _, k := range keys {
		file[k] = max(file[k], next[k]+seqBlock-1)
	}
	return next, used, file, note, nil
}

// isRegularFile says whether path is a regular file (not a link to one).
func isRegularFile(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().IsRegular()
}
