package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// stateVersion is the schema version of a state file.
const stateVersion = 1

// Pending is the initial hard state of a check never seen before: the first
// OK result is recorded without a notification, a first problem goes
// through the soft window like any problem after OK.
const Pending = "PENDING"

// Record is what is remembered about one check between runs: one JSON file
// per check identity, written atomically under the check's lock.
type Record struct {
	Version  int    `json:"version"`
	Identity string `json:"identity"` // never holds a secret
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Target   string `json:"target"`

	Hard      string            `json:"hard"`       // PENDING, OK, WARNING, CRITICAL or UNKNOWN
	HardSince time.Time         `json:"hard_since"` // when the hard state began (its first failing run)
	Checks    map[string]string `json:"checks"`     // hard state of each sub-check, by Detail.Name
	Soft      *Soft             `json:"soft,omitempty"`

	Seq            map[string]uint64 `json:"seq"`                    // last sequence number used per sink
	SeqReserved    map[string]uint64 `json:"seq_reserved,omitempty"` // what the seq file reserves per sink (seq.go)
	LastEvent      time.Time         `json:"last_event"`
	RunsSinceEvent int               `json:"runs_since_event"`
	Updated        time.Time         `json:"updated"`
}

// Soft is a problem seen but not yet hard: it must last --attempts runs
// and/or --fail-after before it is notified.
type Soft struct {
	State    string    `json:"state"`
	Since    time.Time `json:"since"` // the first failing run
	Attempts int       `json:"attempts"`
}

// newRecord is the record of a check never seen before.
func newRecord(identity string, now time.Time) *Record {
	return &Record{Version: stateVersion, Identity: identity, Hard: Pending, HardSince: now,
		Checks: map[string]string{}, Seq: map[string]uint64{}}
}

var validHard = map[string]bool{Pending: true, "OK": true, "WARNING": true, "CRITICAL": true, "UNKNOWN": true}

// decodeRecord parses a state file. Anything but a well-formed record of
// this schema is an error: the caller reports it and starts afresh.
func decodeRecord(data []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the record")
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	if r.Checks == nil {
		r.Checks = map[string]string{}
	}
	if r.Seq == nil {
		r.Seq = map[string]uint64{}
	}
	return &r, nil
}

func (r *Record) validate() error {
	if r.Version != stateVersion {
		return fmt.Errorf("unsupported version %d", r.Version)
	}
	if !validHard[r.Hard] {
		return fmt.Errorf("invalid hard state %q", r.Hard)
	}
	for name, st := range r.Checks {
		if !validHard[st] || st == Pending {
			return fmt.Errorf("invalid state %q of sub-check %q", st, name)
		}
	}
	if s := r.Soft; s != nil {
		if !validHard[s.State] || s.State == Pending || s.State == "OK" || s.Attempts < 1 {
			return fmt.Errorf("invalid soft state %q (%d attempts)", s.State, s.Attempts)
		}
	}
	if r.RunsSinceEvent < 0 {
		return errors.New("negative run count")
	}
	for _, m := range []map[string]uint64{r.Seq, r.SeqReserved} {
		for k, n := range m {
			if n > maxSeq {
				return fmt.Errorf("seq %d of sink %q is above 2^53-1", n, k)
			}
		}
	}
	return nil
}

// readRecord loads the record at path. A missing file gives a new record,
// found false and no error; an unreadable or corrupt one (a symbolic link,
// not a regular file, larger than maxStateFile) gives a new record, found
// true and the reason.
func readRecord(path, identity string, now time.Time) (r *Record, found bool, err error) {
	data, err := readFileCapped(path, maxStateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return newRecord(identity, now), false, nil
	}
	if err != nil {
		return newRecord(identity, now), true, err
	}
	if r, err = decodeRecord(data); err != nil {
		return newRecord(identity, now), true, err
	}
	return r, true, nil
}

// writeRecord stores r at path with write (writeFileAtomic).
func writeRecord(write writeFunc, path string, r *Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	if len(data) >= maxStateFile {
		return fmt.Errorf("the state is %w", tooLarge(maxStateFile))
	}
	return write(path, append(data, '\n'))
}
