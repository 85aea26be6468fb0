package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Outbox defaults, after the Pexip event sink: at most this many queued
// events, none older than this, before the check output warns.
const (
	DefaultOutboxCap    = 1000
	DefaultOutboxMaxAge = 30 * time.Minute
	firstBackoff        = time.Second
	maxBackoff          = 30 * time.Minute
)

// entry is one event for one sink, waiting in the outbox: one file each,
// written before the first attempt and removed once the sink accepted it.
// It holds the event only: the request, with its credentials, is rendered
// from the current config at each attempt.
type entry struct {
	Sink      string    `json:"sink"`
	Created   time.Time `json:"created"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	Event     Event     `json:"event"`

	path string
}

func writeEntry(write writeFunc, dir, sinkKey string, ev Event, now time.Time) (*entry, error) {
	e := &entry{Sink: sinkKey, Created: now.UTC(), Event: ev}
	e.path = filepath.Join(dir, entryName(now, sinkKey, ev.Seq))
	return e, e.save(write)
}

func (e *entry) save(write writeFunc) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding an outbox entry: %w", err)
	}
	if len(data) >= maxEntryFile {
		return fmt.Errorf("the event is %w", tooLarge(maxEntryFile))
	}
	return write(e.path, append(data, '\n'))
}

// decodeEntry parses an outbox file strictly.
func decodeEntry(data []byte) (*entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e entry
	if err := dec.Decode(&e); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the entry")
	}
	if !sinkName().MatchString(e.Sink) {
		return nil, fmt.Errorf("invalid sink %q", e.Sink)
	}
	if !validHard[e.Event.State] || e.Attempts < 0 {
		return nil, fmt.Errorf("invalid event state %q", e.Event.State)
	}
	return &e, nil
}

// readEntries lists a check's outbox, oldest first. Files it cannot read
// (symbolic links, larger than maxEntryFile, corrupt) are returned apart:
// they are reported, never deleted. An outbox directory that is a symbolic
// link is not read at all.
func readEntries(dir string) (entries []*entry, bad []string) {
	if err := isRealDir(dir); err != nil {
		if !os.IsNotExist(err) {
			bad = append(bad, err.Error())
		}
		return nil, bad
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			bad = append(bad, fmt.Sprintf("%s: %v", dir, err))
		}
		return nil, bad
	}
	for _, f := range files {
		name := f.Name()
		if strings.HasPrefix(name, tempPrefix) || !strings.HasSuffix(name, ".json") || f.IsDir() {
			continue
		}
		p := filepath.Join(dir, name)
		data, err := readFileCapped(p, maxEntryFile)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		e, err := decodeEntry(data)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %s", p, oneLine(err.Error())))
			continue
		}
		e.path = p
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return filepath.Base(entries[i].path) < filepath.Base(entries[j].path) })
	return entries, bad
}

// sinkReport is what one delivery pass did for one sink.
type sinkReport struct {
	Key, Label string
	Delivered  []uint64  // seq of each event delivered
	Results    int       // how many of those were run results
	Left       int       // events still queued
	ResultLeft bool      // a run's result is among them
	Replaced   int       // undelivered results dropped for a newer one
	Oldest     time.Time // creation of the oldest one still queued
	LastErr    string
	Missing    bool // no active sink has this key any more
}

// missingSink reports the queue of a sink no longer configured or active.
// Its change events wait for it to come back; its run results are
// dropped: none would be delivered to a sink that comes back, whose next
// run's result replaces them anyway.
func missingSink(key string, queue []*entry) sinkReport {
	r := sinkReport{Key: key, Label: key, Missing: true}
	for _, e := range queue {
		if e.Event.Event == EventResult && removeSynced(e.path) == nil {
			r.Replaced++
			continue
		}
		if r.Left == 0 || e.Created.Before(r.Oldest) {
			r.Oldest = e.Created
		}
		r.Left++
	}
	return r
}

// supersede keeps, of the run results in a sink's queue, only the newest:
// the older ones are removed from the outbox, so that only the newest
// result is ever delivered, and an older one never after a newer one.
// Other events keep their place. It returns the queue left and how many
// results it dropped.
func supersede(queue []*entry) ([]*entry, int, error) {
	newest := -1
	for i, e := range queue {
		if e.Event.Event == EventResult {
			newest = i
		}
	}
	var kept []*entry
	dropped := 0
	for i, e := range queue {
		if e.Event.Event == EventResult && i != newest {
			if err := removeSynced(e.path); err != nil {
				return queue, 0, fmt.Errorf("removing the replaced result %s: %w", e.path, err)
			}
			dropped++
			continue
		}
		kept = append(kept, e)
	}
	return kept, dropped, nil
}

// deliver sends a check's queued events, oldest first, each sink in its own
// goroutine and in order within a sink. A failure is retried after 1 s,
// doubling, until ctx's deadline (t.Sleep says when no time is left); what
// is not delivered stays queued for the next run.
func (t *Tracker) deliver(ctx context.Context, entries []*entry) []sinkReport {
	bySink := map[string][]*entry{}
	var order []string
	for _, e := range entries {
		if _, ok := bySink[e.Sink]; !ok {
			order = append(order, e.Sink)
		}
		bySink[e.Sink] = append(bySink[e.Sink], e)
	}
	active := map[string]*Sink{}
	for _, s := range t.Sinks {
		if s.Active {
			active[s.Key] = s
		}
	}
	reports := make([]sinkReport, len(order))
	var wg sync.WaitGroup
	for i, key := range order {
		s, ok := active[key]
		if !ok {
			reports[i] = missingSink(key, bySink[key])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = t.deliverTo(ctx, s, bySink[key])
		}()
	}
	wg.Wait()
	return reports
}

func (t *Tracker) deliverTo(ctx context.Context, s *Sink, queue []*entry) sinkReport {
	r := sinkReport{Key: s.Key, Label: s.Label}
	queue, r.Replaced, _ = supersede(queue) // a file that cannot be removed is sent in order, still older first
	backoff := firstBackoff
	for i := 0; i < len(queue); {
		e := queue[i]
		_, err := s.Send(ctx, e.Event)
		if err == nil {
			r.LastErr = ""
			if rerr := removeSynced(e.path); rerr != nil {
				r.LastErr = fmt.Sprintf("delivered seq %d, but removing %s failed (it will be sent again): %v", e.Event.Seq, e.path, rerr)
			}
			r.Delivered = append(r.Delivered, e.Event.Seq)
			if e.Event.Event == EventResult {
				r.Results++
			}
			i++
			continue
		}
		e.Attempts++
		e.LastError = t.Redactor.String(err.Error())
		r.LastErr = e.LastError
		_ = e.save(t.writer()) // the attempt count is informative; the entry is safe either way
		var ref *refusal
		if (errors.As(err, &ref) && ref.permanent) || t.sleep(ctx, backoff) != nil {
			// a refusal that no retry changes (credentials, no such
			// service) waits for the next run, as does what the window
			// leaves no time for
			r.Left, r.Oldest = len(queue)-i, queue[i].Created
			for _, q := range queue[i:] {
				if q.Created.Before(r.Oldest) {
					r.Oldest = q.Created
				}
				r.ResultLeft = r.ResultLeft || q.Event.Event == EventResult
			}
			return r
		}
		backoff = min(backoff*2, maxBackoff)
	}
	return r
}

// Sleep waits d unless ctx ends first. When ctx's deadline comes before d
// has passed it returns at once: there is no time left for another attempt.
func Sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
