package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/healthprobe/healthprobe/redact"
)

// maxLegacyRecord caps a state file read while looking for a check's
// earlier identity: a record is a few hundred bytes.
const maxLegacyRecord = 1 << 20

// adoptLegacy moves over the state of this check that an earlier version
// kept under an identity with a secret in it (a URL without a scheme kept
// its password and api_key there): the record whose identity, redacted
// with the run's redactor, is this check's identity. It is called under
// this check's lock when this check has no state file yet, and takes the
// earlier one's lock too. The record is written under this identity with
// its texts redacted and the old file removed; its outbox entries move
// over, redacted, as they are; unreadable ones stay where they are. It
// reports whether a state was moved; an error leaves the rest in place
// (the check then starts afresh).
func (t *Tracker) adoptLegacy(ctx context.Context, identity, statePath, outboxDir string) (bool, error) {
	red := t.Redactor
	if red.Len() == 0 || strings.HasPrefix(identity, "name:") {
		return false, nil // a name never held a secret
	}
	checks := filepath.Dir(statePath)
	files, err := os.ReadDir(checks)
	if err != nil {
		return false, nil
	}
	for _, f := range files {
		id, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok || !checkDirName().MatchString(id) || filepath.Join(checks, f.Name()) == statePath {
			continue
		}
		old, lockPath, oldOutbox := t.paths(id)
		rec, err := readLegacy(old)
		if err != nil || rec.Identity == red.String(rec.Identity) || red.String(rec.Identity) != identity {
			continue
		}
		lock, err := lockFile(ctx, lockPath)
		if err != nil {
			return false, err
		}
		defer lock.Unlock()
		if rec, err = readLegacy(old); err != nil { // another run moved it meanwhile
			return false, nil
		}
		rec.redact(red)
		rec.Identity = identity
		rec.SeqReserved = nil // the next event writes this identity's seq file
		if err := writeRecord(t.writer(), statePath, rec); err != nil {
			return false, err
		}
		entries, _ := readEntries(oldOutbox)
		if len(entries) > 0 {
			if err := makeOutboxDir(outboxDir); err != nil {
				return true, err
			}
		}
		for _, e := range entries {
			from := e.path
			e.Event = e.Event.redacted(red)
			e.LastError = red.String(e.LastError)
			e.path = filepath.Join(outboxDir, filepath.Base(from))
			if err := e.save(t.writer()); err != nil {
				return true, err
			}
			_ = removeSynced(from)
		}
		_ = os.Remove(oldOutbox) // only when empty
		_ = os.Remove(t.seqPath(id))
		return true, removeSynced(old)
	}
	return false, nil
}

// readLegacy reads a state file of another identity: not through a link,
// only a regular file, through a size cap.
func readLegacy(path string) (*Record, error) {
	data, err := readFileCapped(path, maxLegacyRecord)
	if err != nil {
		return nil, err
	}
	return decodeRecord(data)
}

// redact masks the run's secrets in the texts of a record.
func (r *Record) redact(red *redact.Redactor) {
	r.Identity, r.Name, r.Target = red.String(r.Identity), red.String(r.Name), red.String(r.Target)
	checks := make(map[string]string, len(r.Checks))
	for name, st := range r.Checks {
		checks[red.String(name)] = st
	}
	r.Checks = checks
}

// redacted is the event with the run's secrets masked in its texts.
func (e Event) redacted(red *redact.Redactor) Event {
	e.Name, e.Kind, e.Target, e.Summary = red.String(e.Name), red.String(e.Kind), red.String(e.Target), red.String(e.Summary)
	changed := make([]Change, len(e.Changed))
	for i, c := range e.Changed {
		c.Name, c.Text = red.String(c.Name), red.String(c.Text)
		changed[i] = c
	}
	e.Changed = changed
	return e
}
