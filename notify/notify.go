// Package notify remembers a check's state between runs and tells receivers
// ("sinks") when it changes, with nothing lost: each event is written to a
// durable outbox before it is sent, and stays there until a sink accepts it.
//
// A check is known by an identity string (no secrets in it); its files are
// named after the SHA-256 of that identity:
//
//	DIR/checks/ID.json   the state (Record), replaced atomically
//	DIR/checks/ID.seq    the seqs reserved per sink (seq.go)
//	DIR/checks/ID.lock   the lock every run of the check takes
//	DIR/outbox/ID/*.json one file per undelivered event and sink
//
// Files are created 0600 and directories 0700. None is followed through a
// symbolic link, nor read past a size cap (files.go).
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// DefaultWindow is the time Process and Flush give delivery when ctx has no
// deadline.
const DefaultWindow = 10 * time.Second

// Tracker keeps the state of checks under Dir and notifies Sinks. The zero
// values of the optional fields are their defaults.
type Tracker struct {
	Dir     string
	Sinks   []*Sink
	Policy  Policy
	Version string // healthprobe's version, sent in every event

	OutboxCap    int           // warn above this many queued events (default 1000)
	OutboxMaxAge time.Duration // warn when an event has waited longer (default 30m)

	// Redactor is the run's: its secrets are masked in every text a state
	// file, an outbox file or an event holds (the result is redacted before
	// it is compared, stored or queued; a delivery's error before it is
	// kept). nil masks nothing.
	Redactor *redact.Redactor

	// Host and Service name this check's Icinga 2 service, over the
	// sinks' host and service (--icinga2-host, --icinga2-service).
	Host, Service string

	Now   func() time.Time                           // default time.Now
	Sleep func(context.Context, time.Duration) error // default Sleep: tests inject their own

	begun *begun // what Begin started, for Process

	write writeFunc // default writeFileAtomic: tests inject failures (a full disk)
}

func (t *Tracker) writer() writeFunc {
	if t.write != nil {
		return t.write
	}
	return writeFileAtomic
}

// seqWriter writes the seq file: not synced, as the state's save syncs its
// directory next (see writeFileUnsynced).
func (t *Tracker) seqWriter() writeFunc {
	if t.write != nil {
		return t.write
	}
	return writeFileUnsynced
}

func (t *Tracker) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tracker) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// IdentityHash names a check's files.
func IdentityHash(identity string) string {
	sum := sha256.Sum256([]byte(identity))
	return hex.EncodeToString(sum[:])
}

func (t *Tracker) paths(id string) (state, lock, outbox string) {
	return filepath.Join(t.Dir, "checks", id+".json"), filepath.Join(t.Dir, "checks", id+".lock"),
		filepath.Join(t.Dir, "outbox", id)
}

func (t *Tracker) seqPath(id string) string { return filepath.Join(t.Dir, "checks", id+".seq") }

// checksDir makes the state directory and its checks/ directory, which must
// not be a symbolic link.
func (t *Tracker) checksDir() error {
	if t.Dir == "" {
		return errors.New("no state directory")
	}
	checks := filepath.Join(t.Dir, "checks")
	if isRealDir(checks) == nil {
		return nil
	}
	if err := os.MkdirAll(t.Dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", t.Dir, err)
	}
	return ensureDir(checks)
}

// makeOutboxDir makes a check's outbox directory; neither it nor outbox/
// may be a symbolic link.
func makeOutboxDir(dir string) error {
	if err := ensureDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return ensureDir(dir)
}

func withWindow(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultWindow)
}

// Process records one result of the check known by identity and notifies
// the sinks of a hard change: it takes the check's lock (waiting for a
// concurrent run until ctx ends), decides, queues the event for every sink
// in the outbox, records its seq, saves the state, then delivers the outbox
// (older events first) until ctx's deadline. When an event cannot be queued
// or the state cannot be saved, the events this run queued are taken back
// out of the outbox before anything is sent: the state still holds the old
// result, so the next run sees the change again and notifies it then, once.
//
// It adds lines to res: a soft-state note, what was delivered or kept, and
// WARNING lines for a state file that was unreadable (and replaced), a full
// or stale outbox, or events for a sink no longer configured. The state
// Process records is the result as given, before those lines. An error
// means the result could not be recorded; the caller should show it as a
// WARNING line. name is the check's name in events (default: kind and
// target).
func (t *Tracker) Process(ctx context.Context, identity, name string, res *probe.Result) error {
	end := t.now() // the check ended just now, before any wait for the lock
	ctx, cancel := withWindow(ctx)
	defer cancel()
	id := IdentityHash(identity)
	statePath, lockPath, outbox := t.paths(id)
	if err := t.checksDir(); err != nil {
		return err
	}
	lock, err := lockFile(ctx, lockPath)
	if err != nil {
		return fmt.Errorf("%w: this result was not recorded", err)
	}
	defer lock.Unlock()
	removeStrayTemp(statePath)

	now := t.now()
	shown := res.Redacted(t.Redactor) // what is compared, stored and sent
	report := newReport(&shown, t.Redactor.String(name), end)
	report.Host, report.Service = t.Host, t.Service
	var lines []line
	if b := t.begun; b != nil {
		t.begun = nil
		report.RunID = b.runID
		lines = append(lines, b.wait(ctx)...) // a /start goes before the result
	}
	if name == "" {
		name = strings.TrimSpace(strings.ToLower(shown.Kind) + " " + shown.Target)
	}
	name, identity = t.Redactor.String(name), t.Redactor.String(identity)
	if _, err := os.Lstat(statePath); errors.Is(err, fs.ErrNotExist) {
		switch moved, err := t.adoptLegacy(ctx, identity, statePath, outbox); {
		case err != nil:
			lines = append(lines, warning("notify", "earlier state not moved", "notify: the state an earlier version kept for this check under an identity with a secret in it was not moved: "+probe.SanitizeLine(err.Error(), 120)))
		case moved:
			lines = append(lines, line{state: nagios.OK, name: "notify", text: "notify: the state an earlier version kept for this check under an identity with a secret in it is now kept without it"})
		}
	}
	rec, found, rerr := readRecord(statePath, identity, now)
	if rerr != nil {
		lines = append(lines, warning("notify", "state file replaced", fmt.Sprintf("notify: the state file was unreadable (%s) and is replaced", probe.SanitizeLine(rerr.Error(), 200))))
	}
	known := found && rerr == nil // a state that was read
	var committed *Record
	if known {
		committed = rec
	}
	dropped, outboxSeq := scanOutbox(outbox, committed)
	if dropped > 0 {
		lines = append(lines, line{state: nagios.OK, name: "notify", text: fmt.Sprintf("notify: removed %s that a run stopped before it recorded its result had queued; this run decides afresh", plural(dropped, "event"))})
	}
	rec.Identity, rec.Name, rec.Kind, rec.Target, rec.Updated = identity, name, shown.Kind, shown.Target, now.UTC()
	prevHard := rec.Hard
	d := t.Policy.decide(rec, observe(&shown), now)
	if d.Soft != nil {
		lines = append(lines, line{state: res.State, name: "notify:soft", text: t.Policy.softNote(d.Soft, now)})
	}
	var change *Event
	if d.Event != "" {
		ev := newEvent(d, name, t.Version, &shown, now)
		change = &ev
	}
	result := resultEvent(d, rec, prevHard, name, t.Version, &shown, now)
	var events []sinkEvent
	for _, s := range t.Sinks {
		var ev Event
		switch {
		case !s.Active:
			continue
		case s.EveryRun:
			ev = result
		case change != nil && s.wants(*change):
			ev = *change
		default:
			continue
		}
		if s.wantsReport() {
			ev.Report = report
		}
		events = append(events, sinkEvent{s, ev})
	}
	var queued []*entry
	var held map[string]bool // events of this run the state does not record: never sent
	save := true
	if len(events) > 0 {
		var more []line
		queued, held, more, save = t.queue(rec, seqFloor{known: known, lost: found && rerr != nil, outbox: outboxSeq}, events, t.seqPath(id), outbox, now)
		lines = append(lines, more...)
	}
	var saveErr error
	if save { // else the change must be seen again next run: an event is never lost
		if saveErr = writeRecord(t.writer(), statePath, rec); saveErr != nil && len(queued) > 0 {
			var text string
			held, text = takeBack(queued)
			saveErr = fmt.Errorf("%w; %s", saveErr, text)
		}
	}
	lines = append(lines, t.deliverOutbox(ctx, outbox, held)...)
	addLines(res, lines)
	if saveErr != nil {
		return fmt.Errorf("saving the state: %w", saveErr)
	}
	return nil
}

// sinkEvent is an event for one sink: a change, or every run's result.
type sinkEvent struct {
	sink *Sink
	ev   Event
}

// queue records the next seq of each sink in the seq file, then writes each
// event to the outbox, and sets the seqs in rec. On a failure it takes back
// what it wrote (held: what it could not, which must not be sent) and says
// not to save the state (ok false), so that the next run makes its events
// again.
func (t *Tracker) queue(rec *Record, floor seqFloor, events []sinkEvent, seqPath, outbox string, now time.Time) (queued []*entry, held map[string]bool, lines []line, ok bool) {
	keys := make([]string, len(events))
	for i, se := range events {
		keys[i] = se.sink.Key
	}
	fail := func(se sinkEvent, err error) ([]*entry, map[string]bool, []line, bool) {
		what := "the " + se.ev.State + " event"
		if se.ev.Event == EventResult {
			what = "this run's result"
		}
		text := fmt.Sprintf("notify %s: %s could not be queued (%v); the state is left as it was, so the next run tries again", se.sink.Label, what, err)
		var kept map[string]bool
		if len(queued) > 0 {
			var more string
			kept, more = takeBack(queued)
			text += "; " + more
		}
		return nil, kept, append(lines, warning("notify:"+se.sink.Key, "event not queued", text)), false
	}
	next, used, file, note, err := nextSeqs(rec, floor, seqPath, keys, now)
	if note != "" {
		lines = append(lines, warning("notify", "seq file replaced", "notify: "+probe.SanitizeLine(note, 300)))
	}
	if err != nil {
		return fail(events[0], err)
	}
	if err := makeOutboxDir(outbox); err != nil {
		return fail(events[0], err)
	}
	// the seqs are reserved before any event holding one is written
	if file != nil {
		if err := writeSeqFile(t.seqWriter(), seqPath, file); err != nil {
			return fail(events[0], fmt.Errorf("recording its seq: %w", err))
		}
	}
	for _, se := range events {
		se.ev.Seq = next[se.sink.Key]
		e, err := writeEntry(t.writer(), outbox, se.sink.Key, se.ev, now)
		if err != nil {
			return fail(se, err)
		}
		queued = append(queued, e)
	}
	// the state keeps what the seq file holds: a run with a state that was
	// read need not read the seq file
	for k, n := range used {
		rec.Seq[k] = max(rec.Seq[k], n)
	}
	if file != nil {
		rec.SeqReserved = file
	}
	return queued, nil, lines, true
}

// takeBack removes events this run queued, which the state does not
// record, and says what became of them. Those it cannot remove are
// returned: this run does not send them, and the next run that reads the
// state removes them (scanOutbox).
func takeBack(queued []*entry) (kept map[string]bool, text string) {
	var why []string
	for _, e := range queued {
		if err := removeSynced(e.path); err != nil {
			if kept == nil {
				kept = map[string]bool{}
			}
			kept[e.path] = true
			why = append(why, fmt.Sprintf("%s (%v)", filepath.Base(e.path), err))
		}
	}
	if len(kept) > 0 {
		return kept, "the event could not be taken back out of the outbox, where it waits unsent for the next run to remove it: " + strings.Join(why, ", ")
	}
	return nil, "the event was taken back out of the outbox, to be made again by the next run"
}

// scanOutbox looks at a check's outbox once, before anything is queued:
// it removes the temporary files a killed run left, and, given the state
// that was read (rec), the entries a run queued after that state was saved
// with a seq above the one it records for their sink: events of a run that
// could not record them (it was killed, or the state could not be saved
// and taking them back failed). They were never sent, since a run delivers
// only after saving its state, and the next run sees their change again.
// Without a state that was read, every entry stays, to be sent. It returns
// how many it removed and the highest seq per sink of the entries left,
// read from their names.
func scanOutbox(dir string, rec *Record) (dropped int, seqs map[string]uint64) {
	seqs = map[string]uint64{}
	if isRealDir(dir) != nil {
		return 0, seqs
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return 0, seqs
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Name())
		if strings.HasPrefix(f.Name(), tempPrefix) {
			_ = os.Remove(p)
			continue
		}
		created, key, seq, ok := parseEntryName(f.Name())
		if !ok {
			continue
		}
		if rec != nil && f.Type().IsRegular() && seq > rec.Seq[key] && !created.Before(rec.Updated) && removeSynced(p) == nil {
			dropped++
			continue
		}
		seqs[key] = max(seqs[key], seq)
	}
	return dropped, seqs
}

// line is one line Process adds to a result. A warning has a short form
// for the summary, used when it is what makes the result a WARNING.
type line struct {
	state      nagios.State
	name, text string
	short      string
}

func warning(name, short, text string) line {
	return line{state: nagios.Warning, name: name, text: text, short: short}
}

// addLines adds the lines to res. When they raise its state, the summary
// starts with what they warn about, so that line 1 says why.
func addLines(res *probe.Result, lines []line) {
	before := res.State
	var shorts []string
	worst := nagios.OK
	for _, l := range lines {
		res.Add(l.name, l.state, l.text)
		if l.short != "" && !slices.Contains(shorts, l.short) {
			shorts = append(shorts, l.short)
			worst = nagios.Worst(worst, l.state)
		}
	}
	if len(shorts) > 0 {
		res.Mention(before, worst, "notify: "+strings.Join(shorts, ", "))
	}
}

// deliverOutbox delivers one check's outbox, but the entries in held, and
// describes the outcome.
func (t *Tracker) deliverOutbox(ctx context.Context, dir string, held map[string]bool) []line {
	entries, bad := readEntries(dir)
	entries = slices.DeleteFunc(entries, func(e *entry) bool { return held[e.path] })
	reports := t.deliver(ctx, entries)
	now := t.now()
	limit, maxAge := t.OutboxCap, t.OutboxMaxAge
	if limit <= 0 {
		limit = DefaultOutboxCap
	}
	if maxAge <= 0 {
		maxAge = DefaultOutboxMaxAge
	}
	var lines []line
	left := 0
	for _, r := range reports {
		left += r.Left
		name := "notify:" + r.Key
		if len(r.Delivered) > 0 {
			lines = append(lines, line{state: nagios.OK, name: name, text: fmt.Sprintf("notify %s: delivered %s (%s)%s", r.Label, deliveredWhat(r), seqList(r.Delivered), replacedNote(r))})
		}
		switch {
		case r.Missing && r.Replaced > 0 && r.Left == 0:
			lines = append(lines, line{state: nagios.OK, name: name, text: fmt.Sprintf("notify: dropped %s for sink %q, which is not configured or not active any more", plural(r.Replaced, "undelivered result"), r.Key)})
		case r.Missing:
			lines = append(lines, warning(name, "events for an unknown sink", fmt.Sprintf("notify: %s queued for sink %q, which is not configured or not active: restore it, or delete them from %s", plural(r.Left, "event"), r.Key, dir)))
		case r.ResultLeft:
			// every run's result is expected: one that did not arrive is news
			lines = append(lines, warning(name, "result not delivered", fmt.Sprintf("notify %s: the result was not delivered (%s); it is kept, and the next run's result replaces it%s", r.Label, r.LastErr, replacedNote(r))))
			if others := r.Left - 1; others > 0 {
				lines = append(lines, line{state: nagios.OK, name: name, text: fmt.Sprintf("notify %s: %s kept in the outbox for the next run", r.Label, plural(others, "event"))})
			}
		case r.Left > 0:
			// an event that did not arrive is news, as a result that did not
			// (above): WARNING; it waits in the outbox for the next run
			lines = append(lines, warning(name, "event not delivered", fmt.Sprintf("notify %s: %s not delivered (%s); kept in the outbox for the next run", r.Label, plural(r.Left, "event"), r.LastErr)))
		case r.LastErr != "":
			lines = append(lines, warning(name, "outbox cleanup failed", "notify "+r.Label+": "+r.LastErr))
		}
		if r.Left > 0 && now.Sub(r.Oldest) > maxAge {
			lines = append(lines, warning(name, "undelivered events", fmt.Sprintf("notify %s: an event has waited %s to be delivered, more than %s", r.Label, now.Sub(r.Oldest).Truncate(time.Second), maxAge)))
		}
	}
	if left > limit {
		lines = append(lines, warning("notify", "outbox full", fmt.Sprintf("notify: the outbox holds %d undelivered events, more than %d", left, limit)))
	}
	for _, b := range bad {
		lines = append(lines, warning("notify", "unreadable outbox entry", "notify: unreadable outbox entry kept: "+probe.SanitizeLine(b, 200)))
	}
	return lines
}

// deliveredWhat says what a sink was delivered: "the result", "2 events".
func deliveredWhat(r sinkReport) string {
	if r.Results == 1 && len(r.Delivered) == 1 {
		return "the result"
	}
	return plural(len(r.Delivered), "event")
}

// replacedNote mentions undelivered results that a newer one replaced.
func replacedNote(r sinkReport) string {
	switch r.Replaced {
	case 0:
		return ""
	case 1:
		return "; it replaced an older result that was not delivered"
	}
	return fmt.Sprintf("; it replaced %d older results that were not delivered", r.Replaced)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func seqList(seqs []uint64) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = strconv.FormatUint(s, 10)
	}
	return "seq " + strings.Join(parts, ", ")
}
