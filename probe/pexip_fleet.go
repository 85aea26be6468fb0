package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// PexipFleetConfig checks every Conferencing Node of a Pexip Infinity
// deployment through its Management Node's status API (one request per list
// and page), its alarms and its licences, and, when asked, makes a test call
// on each node it found.
type PexipFleetConfig struct {
	// Client reaches the Management Node; its login is sent with the first
	// request (Basic). Test calls use the same TLS settings, never the login.
	Client  ClientConfig
	BaseURL string // scheme://host[:port][/prefix] of the Management Node

	// Filters, each a list of case-insensitive globs (path.Match); empty
	// selects every node.
	Locations, Nodes, NodeTypes []string

	StaleAfter          time.Duration // last_updated older than this: CRITICAL; 0 means DefaultStaleAfter
	MaintenanceState    nagios.State  // the state of a node in maintenance mode
	Load                nagios.Thresholds
	IncludeAcknowledged bool              // count acknowledged alarms too
	Licence             nagios.Thresholds // on port and audio licence use, in percent
	MinNodes            []MinNodes

	TestCall *FleetTestCall // nil: no test calls

	// Assertions run on the fleet's JSON (FleetDocument).
	Assertions []BodyAssertion

	MaxPages, MaxObjects int              // per list; 0: the defaults
	Now                  func() time.Time // nil: time.Now
}

// MinNodes is a lower bound on the number of selected nodes, in one
// location or (Location "") in all.
type MinNodes struct {
	Location string
	N        int
}

// DefaultStaleAfter is how old a node's last report may be.
const DefaultStaleAfter = 5 * time.Minute

// fleetKind is the kind shown on line 1.
const fleetKind = "PEXIP-FLEET"

// fleetNode is one node as the management API describes it, and what the
// check made of it.
type fleetNode struct {
	raw    json.RawMessage // the status object, for jq
	status fleetNodeStatus
	config *fleetNodeConfig
	label  string // the name shown, unique

	problems []fleetFinding // not OK, worst first once evaluated
	facts    []string       // OK findings
	alarms   []fleetAlarm
	call     *fleetCall
}

type fleetFinding struct {
	state nagios.State
	text  string
	short string // for line 1, when shorter than text
}

// brief is the finding as line 1 words it.
func (p fleetFinding) brief() string {
	if p.short != "" {
		return p.short
	}
	return p.text
}

// fleetNodeStatus is a status worker_vm object, read leniently: a field of
// the wrong type is absent, not a failure of the whole list.
type fleetNodeStatus struct {
	ID                    jsonText   `json:"id"`
	ConfigurationID       jsonText   `json:"configuration_id"`
	Name                  jsonText   `json:"name"`
	NodeType              jsonText   `json:"node_type"`
	SystemLocation        jsonText   `json:"system_location"`
	SyncStatus            jsonText   `json:"sync_status"`
	MaintenanceMode       jsonBool   `json:"maintenance_mode"`
	MaintenanceModeReason jsonText   `json:"maintenance_mode_reason"`
	MediaLoad             jsonNumber `json:"media_load"`
	MediaTokensUsed       jsonNumber `json:"media_tokens_used"`
	MaxMediaTokens        jsonNumber `json:"max_media_tokens"`
	LastUpdated           jsonText   `json:"last_updated"`
	Version               jsonText   `json:"version"`
}

// fleetNodeConfig is a configuration worker_vm object: where the node is.
type fleetNodeConfig struct {
	ID       jsonText `json:"id"`
	Name     jsonText `json:"name"`
	Hostname jsonText `json:"hostname"`
	Domain   jsonText `json:"domain"`
	Address  jsonText `json:"address"`
	NodeType jsonText `json:"node_type"`
	Location jsonText `json:"system_location"`
}

// fleetAlarm is an active alarm.
type fleetAlarm struct {
	ID           jsonText `json:"id"`
	Name         jsonText `json:"name"`
	Level        jsonText `json:"level"`
	Details      jsonText `json:"details"`
	Node         jsonText `json:"node"`
	Instance     jsonText `json:"instance"`
	Acknowledged jsonBool `json:"acknowledged"`
	TimeRaised   jsonText `json:"time_raised"`
}

// fleetLicensing is the licensing object.
type fleetLicensing struct {
	PortCount  jsonNumber `json:"port_count"`
	PortTotal  jsonNumber `json:"port_total"`
	AudioCount jsonNumber `json:"audio_count"`
	AudioTotal jsonNumber `json:"audio_total"`
}

// PexipFleet runs the check once.
func PexipFleet(ctx context.Context, cfg PexipFleetConfig) Result {
	mc := cfg.Client
	if mc.User != "" {
		mc.Auth = "basic" // the management API takes Basic; sent with the first request, no 401 round trip
	}
	if mc.MaxBody <= 0 {
		mc.MaxBody = DefaultFleetMaxPage
	}
	mc.Issued = managerIssued
	return RunHTTP(ctx, fleetKind, RedactURL(cfg.BaseURL), mc, func(ctx context.Context, s *Session) {
		base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
		if err != nil || base.Host == "" {
			s.R.Fail(nagios.Unknown, "invalid Management Node URL "+strconv.Quote(RedactURLText(cfg.BaseURL)))
			return
		}
		// the test calls share the run's redactor (their tokens join it)
		cfg.Client.Redactor = s.Redactor
		m := &managerReader{s: s, base: base, haveAuth: mc.User != "",
			maxPages: orDefault(cfg.MaxPages, DefaultFleetMaxPages), maxObjs: orDefault(cfg.MaxObjects, DefaultFleetMaxObjects)}
		now := time.Now
		if cfg.Now != nil {
			now = cfg.Now
		}
		f := &fleet{cfg: cfg, m: m}
		f.call = f.testCall
		if st, reason := f.readNodes(ctx); reason != "" {
			s.R.Fail(st, reason)
			return
		}
		f.readAlarms(ctx)
		f.readLicensing(ctx)
		if f.needConfig() {
			f.readConfig(ctx)
		}
		f.placeAlarms()
		f.evaluate(now())
		if cfg.TestCall != nil {
			f.testCalls(ctx)
		}
		f.report(s.R)
		if m.first != nil {
			s.CheckCertificate(m.first) // the Management Node's; the nodes' are in their test calls
		}
		if len(cfg.Assertions) > 0 {
			ex := &Exchange{Body: f.document()}
			for _, a := range cfg.Assertions {
				a.Assert(ctx, ex, s.R)
			}
		}
		f.summarise(s.R)
	})
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// fleet is one run's view of the deployment.
type fleet struct {
	cfg PexipFleetConfig
	m   *managerReader

	all      []*fleetNode // every node listed, in name order
	selected []*fleetNode // those the filters keep
	unread   int          // objects of the node list that are not nodes

	alarms       []fleetAlarm
	alarmsRaw    []json.RawMessage
	alarmsErr    *listError
	platform     []fleetAlarm // counted alarms on no node
	acknowledged int          // alarms ignored as acknowledged
	filteredOut  int          // alarms on nodes the filters leave out
	counted      int          // alarms counted (any level)

	licensing    *fleetLicensing
	licensingRaw json.RawMessage
	licensingErr *listError

	configErr *listError
	configRaw map[*fleetNode]json.RawMessage

	short map[string]string // line 1's words for a sub-check, when shorter than its text
	call  func(ctx context.Context, nc ClientConfig, base string) *fleetCall
}

// readNodes reads the node status list and applies the filters. A reason
// is returned when the check ends there.
func (f *fleet) readNodes(ctx context.Context) (nagios.State, string) {
	objs, err := f.m.list(ctx, PexipStatusNodesPath, "node status list")
	if err != nil {
		le := err.(*listError)
		return le.state, le.reason
	}
	for _, raw := range objs {
		n := &fleetNode{raw: raw}
		if json.Unmarshal(raw, &n.status) != nil {
			f.unread++
			continue
		}
		f.all = append(f.all, n)
	}
	labelNodes(f.all)
	for _, n := range f.all {
		if f.keep(n) {
			f.selected = append(f.selected, n)
		}
	}
	switch {
	case len(f.all) == 0 && f.unread > 0:
		return nagios.Unknown, fmt.Sprintf("node status list: none of its %d objects is a node object", f.unread)
	case len(f.all) == 0:
		return nagios.Critical, "the Management Node lists no Conferencing Nodes"
	case len(f.selected) == 0:
		return nagios.Unknown, "no node matches " + f.filterText() + ": the Management Node lists " + f.inventory()
	}
	return nagios.OK, ""
}

// labelNodes sorts nodes by name and gives each a unique label: its name,
// or with its id when two share a name (or "id N" when it has none).
func labelNodes(nodes []*fleetNode) {
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].status.Name < nodes[j].status.Name })
	count := map[string]int{}
	for _, n := range nodes {
		count[string(n.status.Name)]++
	}
	for _, n := range nodes {
		name := SanitizeLine(string(n.status.Name), 80)
		switch {
		case name == "":
			name = "id " + SanitizeLine(string(n.status.ID), 20)
		case count[string(n.status.Name)] > 1:
			name += " (id " + SanitizeLine(string(n.status.ID), 20) + ")"
		}
		n.label = name
	}
}

// keep applies the filters to a node.
func (f *fleet) keep(n *fleetNode) bool {
	return matchesAny(f.cfg.Locations, string(n.status.SystemLocation)) &&
		matchesAny(f.cfg.Nodes, string(n.status.Name)) &&
		matchesAny(f.cfg.NodeTypes, string(n.status.NodeType))
}

// filterText names the filters given: `--location "Londn"`.
func (f *fleet) filterText() string {
	var parts []string
	add := func(flag string, globs []string) {
		for _, g := range globs {
			parts = append(parts, flag+" "+Quote(g, 40))
		}
	}
	add("--location", f.cfg.Locations)
	add("--node", f.cfg.Nodes)
	add("--node-type", f.cfg.NodeTypes)
	return strings.Join(parts, " ")
}

// inventory describes every node listed, for a filter that matches none:
// "6 nodes in Berlin, London, Sydney (CONFERENCING, PROXYING)".
func (f *fleet) inventory() string {
	locs, types := map[string]bool{}, map[string]bool{}
	for _, n := range f.all {
		locs[SanitizeLine(string(n.status.SystemLocation), 40)] = true
		types[SanitizeLine(string(n.status.NodeType), 20)] = true
	}
	return fmt.Sprintf("%s in %s (%s)", plural(int64(len(f.all)), "node"), strings.Join(firstSorted(locs, 8), ", "),
		strings.Join(firstSorted(types, 4), ", "))
}

func firstSorted(set map[string]bool, n int) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		if k == "" {
			k = `""`
		}
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > n {
		out = append(out[:n], "…")
	}
	return out
}

// readAlarms reads the active alarms; a failure is reported, not fatal.
func (f *fleet) readAlarms(ctx context.Context) {
	objs, err := f.m.list(ctx, PexipAlarmsPath, "alarm list")
	if err != nil {
		f.alarmsErr = err.(*listError)
		return
	}
	for _, raw := range objs {
		var a fleetAlarm
		if json.Unmarshal(raw, &a) != nil {
			continue
		}
		f.alarms = append(f.alarms, a)
		f.alarmsRaw = append(f.alarmsRaw, raw)
	}
}

// readLicensing reads the licensing object; a failure is reported.
func (f *fleet) readLicensing(ctx context.Context) {
	objs, err := f.m.list(ctx, PexipLicensingPath, "licensing")
	if err != nil {
		f.licensingErr = err.(*listError)
		return
	}
	for _, raw := range objs {
		var l fleetLicensing
		if json.Unmarshal(raw, &l) == nil {
			f.licensing, f.licensingRaw = &l, raw
			return
		}
	}
}

// needConfig reports whether the configuration list is needed: for the
// test calls' URLs, or to place an alarm that names a node by its address.
// Pexip asks integrators not to poll more than they need.
func (f *fleet) needConfig() bool {
	if f.cfg.TestCall != nil && nodeURLNeedsConfig(f.cfg.TestCall.nodeURL()) {
		return true
	}
	for _, a := range f.alarms {
		if a.Node != "" && f.nodeNamed(string(a.Node)) == nil {
			return true
		}
	}
	return false
}

// readConfig reads the configuration list and pairs each object with its
// node: by the status object's configuration_id, else by name.
func (f *fleet) readConfig(ctx context.Context) {
	objs, err := f.m.list(ctx, PexipConfigNodesPath, "node configuration list")
	if err != nil {
		f.configErr = err.(*listError)
		return
	}
	byID, byName := map[string]*fleetNode{}, map[string]*fleetNode{}
	for _, n := range f.all {
		if id := string(n.status.ConfigurationID); id != "" {
			byID[id] = n
		}
		byName[strings.ToLower(string(n.status.Name))] = n
	}
	f.configRaw = map[*fleetNode]json.RawMessage{}
	for _, raw := range objs {
		var c fleetNodeConfig
		if json.Unmarshal(raw, &c) != nil {
			continue
		}
		n := byID[string(c.ID)]
		if n == nil || c.ID == "" {
			n = byName[strings.ToLower(string(c.Name))]
		}
		if n != nil && n.config == nil {
			cc := c
			n.config = &cc
			f.configRaw[n] = raw
		}
	}
}

// nodeNamed finds the node an alarm names: by name, host name, FQDN or
// address, regardless of case.
func (f *fleet) nodeNamed(s string) *fleetNode {
	s = strings.TrimSpace(s)
	for _, n := range f.all {
		if strings.EqualFold(s, string(n.status.Name)) {
			return n
		}
	}
	for _, n := range f.all {
		c := n.config
		if c == nil {
			continue
		}
		for _, v := range []string{string(c.Hostname), fqdn(c), string(c.Address)} {
			if v != "" && strings.EqualFold(s, v) {
				return n
			}
		}
	}
	return nil
}

func fqdn(c *fleetNodeConfig) string {
	if c.Hostname == "" || c.Domain == "" {
		return ""
	}
	return string(c.Hostname) + "." + string(c.Domain)
}

// placeAlarms gives each counted alarm to its node, or to the platform
// when it names none (or a machine that is not a Conferencing Node, such as
// the Management Node). An alarm on a node the filters leave out is not
// counted.
func (f *fleet) placeAlarms() {
	selected := map[*fleetNode]bool{}
	for _, n := range f.selected {
		selected[n] = true
	}
	for _, a := range f.alarms {
		if bool(a.Acknowledged) && !f.cfg.IncludeAcknowledged {
			f.acknowledged++
			continue
		}
		var n *fleetNode
		if a.Node != "" {
			n = f.nodeNamed(string(a.Node))
		}
		switch {
		case n == nil:
			f.platform = append(f.platform, a)
		case !selected[n]:
			f.filteredOut++
			continue
		default:
			n.alarms = append(n.alarms, a)
		}
		f.counted++
	}
}

// AlarmState maps a Pexip alarm level to a state: critical, major and
// error are CRITICAL, warning and minor WARNING, anything else (info) OK.
func AlarmState(level string) nagios.State {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "critical", "major", "error":
		return nagios.Critical
	case "warning", "minor":
		return nagios.Warning
	}
	return nagios.OK
}

// alarmName names an alarm with its level: `alarm major "Hardware IO errors"`.
func alarmName(a fleetAlarm) string {
	level := strings.ToLower(SanitizeLine(string(a.Level), 20))
	if level == "" {
		level = "of no level"
	}
	name := SanitizeLine(string(a.Name), 80)
	if name == "" {
		name = "(unnamed)"
	}
	return "alarm " + level + " " + Quote(name, 80)
}

// alarmText quotes an alarm with its details:
// `alarm major "Hardware IO errors": disk /dev/sdb reports read errors`.
func alarmText(a fleetAlarm) string {
	s := alarmName(a)
	if d := SanitizeLine(string(a.Details), 100); d != "" && d != SanitizeLine(string(a.Name), 80) {
		s += ": " + d
	}
	return s
}

// evaluate applies the rules to every selected node (test calls aside).
func (f *fleet) evaluate(now time.Time) {
	stale := f.cfg.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	for _, n := range f.selected {
		s := n.status
		add := func(st nagios.State, text string) {
			if st == nagios.OK {
				n.facts = append(n.facts, text)
			} else {
				n.problems = append(n.problems, fleetFinding{state: st, text: text})
			}
		}
		switch t, err := ParsePexipTime(string(s.LastUpdated)); {
		case s.LastUpdated == "":
			add(nagios.Warning, "reports no last_updated time")
		case err != nil:
			add(nagios.Warning, "last_updated "+err.Error())
		case now.Sub(t) > stale:
			add(nagios.Critical, "stopped reporting "+FormatAge(now.Sub(t))+" ago")
		}
		if bool(s.MaintenanceMode) {
			reason := SanitizeLine(string(s.MaintenanceModeReason), 60)
			if reason == "" {
				reason = "no reason given"
			}
			add(f.cfg.MaintenanceState, "in maintenance ("+reason+")")
		}
		if sync := SanitizeLine(string(s.SyncStatus), 30); !strings.EqualFold(sync, "SYNCED") {
			if sync == "" {
				add(nagios.Warning, "sync status not reported")
			} else {
				add(nagios.Warning, "not in sync (sync_status "+sync+")")
			}
		}
		if s.MediaLoad.ok {
			load := "media load " + nagios.FormatFloat(s.MediaLoad.v) + "%"
			st := f.cfg.Load.Evaluate(s.MediaLoad.v)
			if w := rangeWords(st, f.cfg.Load, s.MediaLoad.v); w != "" {
				load += " (" + w + ")"
			}
			add(st, load)
		}
		for _, a := range n.alarms {
			if st := AlarmState(string(a.Level)); st == nagios.OK {
				n.facts = append(n.facts, alarmText(a))
			} else {
				n.problems = append(n.problems, fleetFinding{state: st, text: alarmText(a), short: alarmName(a)})
			}
		}
		sort.SliceStable(n.problems, func(i, j int) bool { return n.problems[i].state.Worse(n.problems[j].state) })
	}
}

// rangeWords says which threshold a value crossed: "above 95%" for a
// plain upper bound, else as nagios.Range.Crossed says; "" when none.
func rangeWords(st nagios.State, th nagios.Thresholds, v float64) string {
	var r *nagios.Range
	switch st {
	case nagios.Critical:
		r = th.Crit
	case nagios.Warning:
		r = th.Warn
	default:
		return ""
	}
	if !r.Inside && r.Start <= 0 && r.End < 1e300 {
		return "above " + nagios.FormatFloat(r.End) + "%"
	}
	return r.Crossed(v, strings.ToLower(st.String()), "%")
}

// state is a node's state: its worst finding.
func (n *fleetNode) state() nagios.State {
	st := nagios.OK
	for _, p := range n.problems {
		if p.state.Worse(st) {
			st = p.state
		}
	}
	return st
}

// where is "(London)", or "(London, PROXYING)" for a node that is not a
// Conferencing Node.
func (n *fleetNode) where() string {
	parts := []string{SanitizeLine(string(n.status.SystemLocation), 40)}
	if parts[0] == "" {
		parts[0] = "no location"
	}
	if t := SanitizeLine(string(n.status.NodeType), 20); t != "" && !strings.EqualFold(t, "CONFERENCING") {
		parts = append(parts, t)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// text is the node's sub-check line.
func (n *fleetNode) text() string {
	var parts []string
	for _, p := range n.problems {
		parts = append(parts, p.text)
	}
	if len(n.facts) > 0 {
		parts = append(parts, strings.Join(n.facts, ", "))
	}
	if len(parts) == 0 {
		parts = []string{"OK"}
	}
	return n.label + " " + n.where() + ": " + strings.Join(parts, "; ")
}

// report adds the sub-checks and perfdata.
func (f *fleet) report(r *Result) {
	ok := 0
	for _, n := range f.selected {
		st := n.state()
		if st == nagios.OK {
			ok++
		}
		r.Add("node:"+n.label, st, n.text())
	}
	f.short = map[string]string{}
	for _, a := range f.platform {
		name := "platform:" + SanitizeLine(string(a.Name), 80)
		r.Add(name, AlarmState(string(a.Level)), "platform "+alarmText(a))
		f.short[name] = "platform " + alarmName(a)
	}
	if f.alarmsErr != nil {
		r.Add("alarms", f.alarmsErr.state, f.alarmsErr.reason)
	} else if notes := f.uncounted(); notes != "" {
		r.Add("alarms", nagios.OK, notes)
	}
	f.reportLicences(r)
	if f.configErr != nil {
		r.Add("configuration", f.configErr.state, f.configErr.reason)
	}
	f.reportMinNodes(r)
	if f.unread > 0 {
		r.Add("node-list", nagios.Unknown, fmt.Sprintf("node status list: %s not read as a node", plural(int64(f.unread), "object")))
	}
	r.AddPerf(
		nagios.Perfdata{Label: "nodes", Value: float64(len(f.selected)), Min: nagios.Float(0)},
		nagios.Perfdata{Label: "nodes_ok", Value: float64(ok), Min: nagios.Float(0), Max: nagios.Float(float64(len(f.selected)))},
	)
	if f.alarmsErr == nil {
		r.AddPerf(nagios.Perfdata{Label: "alarms", Value: float64(f.counted), Min: nagios.Float(0)})
	}
	f.licencePerf(r)
	for _, n := range f.selected {
		if n.status.MediaLoad.ok {
			r.AddPerf(nagios.Perfdata{Label: "load_" + n.label, Value: n.status.MediaLoad.v, UOM: "%",
				Warn: f.cfg.Load.Warn, Crit: f.cfg.Load.Crit, Min: nagios.Float(0), Max: nagios.Float(100)})
		}
	}
	for _, n := range f.selected {
		if c := n.call; c != nil && c.made {
			r.AddPerf(TimePerf("call_"+n.label, c.took, nagios.Thresholds{}))
		}
	}
}

// uncounted says which alarms were left out, and why.
func (f *fleet) uncounted() string {
	var notes []string
	if f.acknowledged > 0 {
		notes = append(notes, plural(int64(f.acknowledged), "acknowledged alarm")+" not counted (--include-acknowledged counts them)")
	}
	if f.filteredOut > 0 {
		notes = append(notes, plural(int64(f.filteredOut), "alarm")+" on nodes the filters leave out, not counted")
	}
	return strings.Join(notes, "; ")
}

// licenceUse is one kind of licence: used of total.
type licenceUse struct {
	kind, label string
	used, total float64
}

func (f *fleet) licenceUses() []licenceUse {
	l := f.licensing
	if l == nil {
		return nil
	}
	var out []licenceUse
	for _, u := range []struct {
		kind, label  string
		count, total jsonNumber
	}{{"port", "licence_ports", l.PortCount, l.PortTotal}, {"audio", "licence_audio", l.AudioCount, l.AudioTotal}} {
		if u.count.ok && u.total.ok && u.total.v > 0 {
			out = append(out, licenceUse{u.kind, u.label, u.count.v, u.total.v})
		}
	}
	return out
}

func (u licenceUse) percent() float64 { return u.used / u.total * 100 }

func (f *fleet) reportLicences(r *Result) {
	if f.licensingErr != nil {
		r.Add("licences", f.licensingErr.state, f.licensingErr.reason)
		return
	}
	if f.licensing == nil {
		r.Add("licences", nagios.Unknown, "licensing: the answer holds no licensing object")
		return
	}
	for _, u := range f.licenceUses() {
		pct := u.percent()
		st := f.cfg.Licence.Evaluate(pct)
		share := strconv.FormatFloat(pct, 'f', 0, 64) + "%"
		if w := rangeWords(st, f.cfg.Licence, pct); w != "" {
			share += ", " + w
		}
		text := fmt.Sprintf("%s licences: %s of %s in use (%s)", u.kind, nagios.FormatFloat(u.used), nagios.FormatFloat(u.total), share)
		r.Add("licence:"+u.kind, st, text)
	}
}

func (f *fleet) licencePerf(r *Result) {
	for _, u := range f.licenceUses() {
		r.AddPerf(
			nagios.Perfdata{Label: u.label, Value: u.used, Min: nagios.Float(0), Max: nagios.Float(u.total)},
			nagios.Perfdata{Label: u.label + "_pct", Value: roundTo(u.percent(), 1), UOM: "%",
				Warn: f.cfg.Licence.Warn, Crit: f.cfg.Licence.Crit, Min: nagios.Float(0), Max: nagios.Float(100)},
		)
	}
}

func roundTo(v float64, digits int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', digits, 64), 64)
	return f
}

// reportMinNodes checks --min-nodes, over all selected nodes or per
// location (the location's name matched regardless of case).
func (f *fleet) reportMinNodes(r *Result) {
	for _, mn := range f.cfg.MinNodes {
		have := 0
		for _, n := range f.selected {
			if mn.Location == "" || strings.EqualFold(strings.TrimSpace(string(n.status.SystemLocation)), strings.TrimSpace(mn.Location)) {
				have++
			}
		}
		name, where := "nodes", ""
		if mn.Location != "" {
			name, where = "nodes:"+SanitizeLine(mn.Location, 40), " in "+SanitizeLine(mn.Location, 40)
		}
		if have < mn.N {
			r.Add(name, nagios.Critical, fmt.Sprintf("only %d %s%s, want at least %d (--min-nodes)", have, nodeWord(have), where, mn.N))
		} else {
			r.Add(name, nagios.OK, fmt.Sprintf("%s%s (at least %d)", plural(int64(have), "node"), where, mn.N))
		}
	}
}

func nodeWord(n int) string {
	if n == 1 {
		return "node"
	}
	return "nodes"
}

// maxNamedNodes is how many nodes line 1 names; the rest are counted.
const maxNamedNodes = 3

// summarise writes line 1: the worst nodes first (each with its worst
// finding), then the fleet's other problems, then counts.
func (f *fleet) summarise(r *Result) {
	bad := make([]*fleetNode, 0, len(f.selected))
	for _, n := range f.selected {
		if n.state() != nagios.OK {
			bad = append(bad, n)
		}
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].state().Worse(bad[j].state()) })
	type group struct {
		state nagios.State
		text  string
	}
	var groups []group
	if len(bad) > 0 {
		var named []string
		for i, n := range bad {
			if i == maxNamedNodes {
				named = append(named, fmt.Sprintf("%d more", len(bad)-maxNamedNodes))
				break
			}
			named = append(named, n.label+" "+n.problems[0].brief())
		}
		groups = append(groups, group{bad[0].state(), strings.Join(named, ", ")})
	}
	for _, d := range r.Details {
		if d.State != nagios.OK && !strings.HasPrefix(d.Name, "node:") {
			text := d.Text
			if s, ok := f.short[d.Name]; ok {
				text = s
			}
			groups = append(groups, group{d.State, text})
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].state.Worse(groups[j].state) })
	total := len(f.selected)
	if len(groups) == 0 {
		r.Summary = f.okSummary()
		return
	}
	parts := make([]string, 0, len(groups)+1)
	for _, g := range groups {
		parts = append(parts, g.text)
	}
	if len(bad) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s not OK", len(bad), plural(int64(total), "node")))
	} else {
		parts = append(parts, plural(int64(total), "node")+" OK")
	}
	r.Summary = strings.Join(parts, "; ")
}

// okSummary is line 1 when all is well: "6 nodes OK in 3 locations, 6 test
// calls accepted, no alarms, port licences 120 of 200 (60%)".
func (f *fleet) okSummary() string {
	locs := map[string]bool{}
	for _, n := range f.selected {
		locs[strings.ToLower(string(n.status.SystemLocation))] = true
	}
	parts := []string{plural(int64(len(f.selected)), "node") + " OK in " + plural(int64(len(locs)), "location")}
	if f.cfg.TestCall != nil {
		calls := 0
		for _, n := range f.selected {
			if n.call != nil && n.call.made {
				calls++
			}
		}
		parts = append(parts, plural(int64(calls), "test call")+" accepted")
	}
	switch f.counted {
	case 0:
		parts = append(parts, "no alarms")
	default:
		parts = append(parts, plural(int64(f.counted), "alarm")+" (info only)")
	}
	for _, u := range f.licenceUses() {
		parts = append(parts, fmt.Sprintf("%s licences %s of %s (%s%%)", u.kind, nagios.FormatFloat(u.used), nagios.FormatFloat(u.total),
			strconv.FormatFloat(u.percent(), 'f', 0, 64)))
	}
	return strings.Join(parts, ", ")
}

// FormatAge renders a duration for an operator: "45s", "20m", "2h5m", "3d4h".
func FormatAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return strconv.Itoa(days) + "d"
	}
	return fmt.Sprintf("%dd%dh", days, h)
}
