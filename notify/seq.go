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
// number is also kept in a small file of its own, DIR/checks/ID.seq,
// written before any event that carries it is queued (and so before the
// state is saved), and the outbox file names carry the seq of every event
// not yet delivered. The next seq of a sink is one more than the highest of
// the three. The seq file is not synced by itself: the state's save syncs
// its directory. After a power loss before that, the seq file may be old
// (then no state recorded the events numbered after it: they were never
// sent, and the next run removes them) or damaged (the clock takes over,
// below). When
// the seq file is damaged, or the state file is damaged and there is no seq
// file, what came before cannot be known: the next seq is then also above
// the clock in microseconds since 1970 (about 1.7e15, below 2^53, so
// receivers that read JSON numbers as doubles read it exactly), which is
// above every seq issued before unless the clock went back. Only when the
// state file, the seq file and the outbox are all gone does a check start
// again from seq 1, as a new check does.

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

// outboxSeqs is the highest seq per sink among the entries in an outbox
// directory, read from their names (see writeEntry): not the contents,
// which may be many and large. Names this package did not write are
// skipped.
func outboxSeqs(dir string) map[string]uint64 {
	out := map[string]uint64{}
	if isRealDir(dir) != nil {
		return out
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, f := range files {
		if _, key, seq, ok := parseEntryName(f.Name()); ok && seq > out[key] {
			out[key] = seq
		}
	}
	return out
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

// nextSeqs gives the seq of the next event to each sink in keys: one more
// than the highest of the state's, the seq file's and the outbox's, and
// above the clock when what came before is lost (see above). stateLost: the
// state file was there but unreadable. It returns the whole seq file to
// write once the events are queued, and a note when the seq file was
// damaged.
func nextSeqs(rec *Record, stateLost bool, seqPath, outboxDir string, keys []string, now time.Time) (next, file map[string]uint64, note string, err error) {
	saved, exists, serr := readSeqFile(seqPath)
	if serr != nil {
		note = fmt.Sprintf("the seq file was unreadable (%s) and is replaced; seq continues above the clock", serr)
	}
	lost := serr != nil || (stateLost && !exists)
	queued := outboxSeqs(outboxDir)
	file = map[string]uint64{}
	for k, n := range saved {
		file[k] = n
	}
	for k, n := range rec.Seq {
		file[k] = max(file[k], n)
	}
	next = map[string]uint64{}
	for _, k := range keys {
		floor := max(file[k], queued[k])
		if us := now.UnixMicro(); lost && us > 0 {
			floor = max(floor, uint64(us))
		}
		if floor >= maxSeq {
			return nil, nil, note, fmt.Errorf("seq of sink %s would pass 2^53-1", k)
		}
		next[k] = floor + 1
		file[k] = next[k]
	}
	return next, file, note, nil
}
