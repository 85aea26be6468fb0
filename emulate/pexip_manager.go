package emulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The login, node URL template and secrets of the Management Node emulator.
const (
	PexipManagerUser     = "monitor"
	PexipManagerPassword = "emu-mgr-pass-8612"
	// PexipFleetNodeURL is the --node-url that reaches the emulator's nodes,
	// relative to its base URL: they are served on its own port under
	// /nodes/NAME/.
	PexipFleetNodeURL = "/nodes/{name}"
	// PexipFleetSNMPCommunity is every node's SNMP community in the
	// configuration API: a secret the probe must never show.
	PexipFleetSNMPCommunity = "emu-snmp-community-4471"
	// PexipFleetNodePassword is every node's (write-only, yet echoed) password.
	PexipFleetNodePassword = "emu-node-pass-3390"
)

// PexipFleetFixtureTime is when the fixtures in testdata/pexip-fleet/ were
// taken: the emulator serves their times shifted by the time since, so a
// node that reported 12 s before the snapshot reported 12 s before now.
var PexipFleetFixtureTime = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// The fleets the emulator serves, each named after what it stands for
// (and after its fixtures in testdata/pexip-fleet/).
const (
	FleetHealthy           = "healthy"             // six nodes in three locations, all well
	FleetNodeOutOfSync     = "node-out-of-sync"    // conf-lon-02 is SYNCING
	FleetNodeStale         = "node-stale"          // conf-syd-02 last reported 20 minutes ago
	FleetNodeInMaintenance = "node-in-maintenance" // conf-lon-02 is in maintenance for an upgrade
	FleetNodesLoaded       = "nodes-loaded"        // conf-lon-01 at 86% media load, conf-osl-01 at 97%
	FleetAlarmsEachLevel   = "alarms-each-level"   // an alarm of every level, one acknowledged, one on the platform
	FleetLicencesNearLimit = "licences-near-limit" // ports at 90% and audio at 96% of the licences
	FleetTroubled          = "troubled"            // a stale node, one in maintenance, one out of sync, a critical alarm
	FleetCallRefused       = "call-refused"        // all well to the Management Node, but conf-syd-01 refuses calls (503)
)

// PexipFleets lists every fleet, in the order the demo shows them.
var PexipFleets = []string{FleetHealthy, FleetNodeOutOfSync, FleetNodeStale, FleetNodeInMaintenance,
	FleetNodesLoaded, FleetAlarmsEachLevel, FleetLicencesNearLimit, FleetTroubled, FleetCallRefused}

// PexipFleetNode is one Conferencing (or Proxying Edge) Node of a fleet.
type PexipFleetNode struct {
	ID, ConfigID                         int
	Name, Hostname, Domain, Address      string
	NodeType, Location                   string
	SyncStatus                           string
	Maintenance                          bool
	MaintenanceReason                    string
	MediaLoad, TokensUsed, MaxTokens     int
	SignalingCount                       int
	Age                                  time.Duration // since last_updated
	TimeFormat                           int           // which of the API's three time forms (0, 1, 2)
	Version, UpgradeStatus, DeployStatus string
}

// PexipFleetAlarm is an active alarm.
type PexipFleetAlarm struct {
	ID           int
	Level, Name  string
	Details      string
	Node         string // a node's name or address; "" for the platform
	Instance     string
	Acknowledged bool
	Age          time.Duration // since it was raised
}

// PexipFleetLicences are the licensing counts.
type PexipFleetLicences struct {
	PortCount, PortTotal, AudioCount, AudioTotal int
	VMRCount, VMRTotal, SystemCount, SystemTotal int
	TeamsCount, TeamsTotal                       int
}

// Next styles: how a page points to the next one.
const (
	NextRelative = "relative" // "/api/admin/...?limit=N&offset=M", as Tastypie writes it
	NextAbsolute = "absolute" // "http://host:port/api/admin/..."
	NextNone     = "none"     // next is null: only total_count tells more are left
)

// ManagerRequest is one request the Management Node emulator saw.
type ManagerRequest struct {
	Method, Path, Query string
	Authorized          bool // with the right Basic login
	AuthSent            bool // with any Authorization header
}

// PexipManager emulates the management API of a Pexip Infinity Management
// Node (status and configuration worker_vm, alarms, licensing), paged as
// Tastypie pages it (limit, offset, meta.next), behind Basic auth. Its
// nodes are Pexip node emulators, served on the same port under
// /nodes/NAME/ (PexipFleetNodeURL), so that test calls run end to end:
//
//	GET /api/admin/status/v1/worker_vm/           node status
//	GET /api/admin/configuration/v1/worker_vm/    node configuration (hostname, domain, address; and secrets)
//	GET /api/admin/status/v1/alarm/               active alarms
//	GET /api/admin/status/v1/licensing/           licence use
//	ANY /nodes/NAME/api/client/v2/...             node NAME's client API (emulate.Pexip)
//	GET /emulator/tokens                          {"issued":N,"released":N,"outstanding":N} over all nodes
//
// A node request that carries an Authorization header is refused (400) and
// counted: the Management Node's login must never reach a node.
type PexipManager struct {
	mu          sync.Mutex
	nodes       []PexipFleetNode
	alarms      []PexipFleetAlarm
	licences    PexipFleetLicences
	emulators   map[string]*Pexip
	now         func() time.Time
	maxLimit    int
	nextStyle   string
	requests    []ManagerRequest
	leakedLogin int
}

// NewPexipManager returns a Management Node with the named fleet.
func NewPexipManager(fleet string) (*PexipManager, error) {
	m := &PexipManager{emulators: map[string]*Pexip{}, maxLimit: 1000, nextStyle: NextRelative,
		now: time.Now, licences: healthyLicences()}
	m.nodes = healthyNodes()
	switch fleet {
	case FleetHealthy, "":
	case FleetNodeOutOfSync:
		m.node("conf-lon-02").SyncStatus = "SYNCING"
	case FleetNodeStale:
		m.node("conf-syd-02").Age = 20*time.Minute + 4*time.Second + 117304*time.Microsecond
	case FleetNodeInMaintenance:
		n := m.node("conf-lon-02")
		n.Maintenance, n.MaintenanceReason, n.MediaLoad, n.TokensUsed = true, "upgrade", 0, 0
	case FleetNodesLoaded:
		a, b := m.node("conf-lon-01"), m.node("conf-osl-01")
		a.MediaLoad, a.TokensUsed = 86, 1548
		b.MediaLoad, b.TokensUsed = 97, 1746
	case FleetAlarmsEachLevel:
		m.alarms = alarmsEachLevel()
	case FleetLicencesNearLimit:
		m.licences.PortCount, m.licences.AudioCount = 180, 48
	case FleetCallRefused:
	case FleetTroubled:
		m.node("conf-syd-02").Age = 20*time.Minute + 4*time.Second + 117304*time.Microsecond
		n := m.node("conf-lon-02")
		n.Maintenance, n.MaintenanceReason, n.MediaLoad, n.TokensUsed = true, "upgrade", 0, 0
		m.node("conf-osl-01").SyncStatus = "SYNCING"
		m.alarms = []PexipFleetAlarm{alarmsEachLevel()[0]}
	default:
		return nil, fmt.Errorf("unknown Pexip fleet %q (want one of %s)", fleet, strings.Join(PexipFleets, ", "))
	}
	for _, n := range m.nodes {
		p := NewPexip()
		p.SetMaintenance(n.Maintenance)
		m.emulators[n.Name] = p
	}
	if fleet == FleetCallRefused {
		m.emulators["conf-syd-01"].FailRequestToken(http.StatusServiceUnavailable)
	}
	return m, nil
}

func (m *PexipManager) node(name string) *PexipFleetNode {
	for i := range m.nodes {
		if m.nodes[i].Name == name {
			return &m.nodes[i]
		}
	}
	panic("no node " + name)
}

// healthyNodes are six nodes in three locations, reporting every few
// seconds, their times written in each of the API's three forms.
func healthyNodes() []PexipFleetNode {
	mk := func(id int, name, loc, addr string, load, age int, tf int) PexipFleetNode {
		return PexipFleetNode{ID: id, ConfigID: id + 100, Name: name, Hostname: name, Domain: "pexip.example.com", Address: addr,
			NodeType: "CONFERENCING", Location: loc, SyncStatus: "SYNCED", MediaLoad: load, TokensUsed: load * 18, MaxTokens: 1800,
			SignalingCount: load / 4, Age: time.Duration(age)*time.Second + time.Duration(id*104729)*time.Microsecond,
			TimeFormat: tf, Version: "36.0.0.79050.0.0", UpgradeStatus: "IDLE", DeployStatus: "DEPLOYED"}
	}
	edge := mk(6, "edge-lon-01", "London", "10.44.1.21", 0, 9, 2)
	edge.NodeType, edge.MaxTokens, edge.SignalingCount = "PROXYING", 0, 7
	return []PexipFleetNode{
		mk(1, "conf-lon-01", "London", "10.44.1.11", 23, 12, 0),
		mk(2, "conf-lon-02", "London", "10.44.1.12", 18, 31, 1),
		mk(3, "conf-osl-01", "Oslo", "10.44.3.11", 7, 4, 2),
		mk(4, "conf-syd-01", "Sydney", "10.44.2.11", 41, 17, 0),
		mk(5, "conf-syd-02", "Sydney", "10.44.2.12", 35, 26, 1),
		edge,
	}
}

func healthyLicences() PexipFleetLicences {
	return PexipFleetLicences{PortCount: 42, PortTotal: 200, AudioCount: 3, AudioTotal: 50,
		VMRCount: 118, VMRTotal: 500, TeamsCount: 0, TeamsTotal: 20}
}

// alarmsEachLevel is one alarm of each level Pexip raises, an acknowledged
// one, one on the platform (no node) and one naming its node by address.
func alarmsEachLevel() []PexipFleetAlarm {
	return []PexipFleetAlarm{
		{ID: 31, Level: "critical", Name: "Connectivity lost between nodes", Details: "conf-syd-01 cannot reach conf-lon-01",
			Node: "conf-syd-01", Age: 6*time.Minute + 40*time.Second},
		{ID: 32, Level: "major", Name: "Hardware IO errors", Details: "disk /dev/sdb reports read errors",
			Node: "conf-osl-01", Age: 2 * time.Hour},
		{ID: 33, Level: "error", Name: "Failed to connect to syslog server", Details: "syslog.example.com:514 refused",
			Node: "", Age: 3 * time.Hour},
		{ID: 34, Level: "warning", Name: "Call capacity limit reached", Details: "London location is at capacity",
			Node: "conf-lon-01", Age: 4 * time.Minute},
		{ID: 35, Level: "minor", Name: "Excessive CPU steal", Details: "hypervisor steals 12% of CPU time",
			Node: "10.44.2.12", Age: 50 * time.Minute},
		{ID: 36, Level: "info", Name: "Software upgrade available", Details: "version 37 is available",
			Node: "", Age: 26 * time.Hour},
		{ID: 37, Level: "warning", Name: "Call capacity limit reached", Details: "Sydney location is at capacity",
			Node: "conf-syd-01", Acknowledged: true, Age: 9 * time.Minute},
	}
}

// Node returns the node emulator of a node by name (nil if none).
func (m *PexipManager) Node(name string) *Pexip {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.emulators[name]
}

// Nodes returns the fleet's nodes.
func (m *PexipManager) Nodes() []PexipFleetNode {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]PexipFleetNode(nil), m.nodes...)
}

// SetClock fixes the emulator's clock (the fixtures are taken at
// PexipFleetFixtureTime); nil restores time.Now.
func (m *PexipManager) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	m.now = now
}

// SetMaxLimit caps the page size, as Tastypie's max_limit does; pages are
// then smaller than the probe asks for, and it must follow meta.next.
func (m *PexipManager) SetMaxLimit(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxLimit = n
}

// SetNextStyle sets how a page links to the next (NextRelative,
// NextAbsolute or NextNone).
func (m *PexipManager) SetNextStyle(style string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextStyle = style
}

// AddNodes adds n more Conferencing Nodes in a location (for paging).
func (m *PexipManager) AddNodes(location string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < n; i++ {
		id := 1000 + len(m.nodes)
		name := fmt.Sprintf("conf-%s-%03d", strings.ToLower(location[:min(3, len(location))]), id)
		node := PexipFleetNode{ID: id, ConfigID: id + 100, Name: name, Hostname: name, Domain: "pexip.example.com",
			Address: fmt.Sprintf("10.45.%d.%d", id/250, id%250+1), NodeType: "CONFERENCING", Location: location,
			SyncStatus: "SYNCED", MediaLoad: 10, TokensUsed: 180, MaxTokens: 1800, Age: 15 * time.Second,
			TimeFormat: id % 3, Version: "36.0.0.79050.0.0", UpgradeStatus: "IDLE", DeployStatus: "DEPLOYED"}
		m.nodes = append(m.nodes, node)
		m.emulators[name] = NewPexip()
	}
}

// Requests returns the management API requests seen so far.
func (m *PexipManager) Requests() []ManagerRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ManagerRequest(nil), m.requests...)
}

// LoginsSentToNodes counts node requests that carried an Authorization
// header: it must stay 0.
func (m *PexipManager) LoginsSentToNodes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leakedLogin
}

// Outstanding returns the tokens issued by any node and not released.
func (m *PexipManager) Outstanding() []string {
	var out []string
	for _, p := range m.emulatorList() {
		out = append(out, p.Outstanding()...)
	}
	return out
}

func (m *PexipManager) emulatorList() []*Pexip {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.emulators))
	for n := range m.emulators {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Pexip, len(names))
	for i, n := range names {
		out[i] = m.emulators[n]
	}
	return out
}

func (m *PexipManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/nodes/"):
		m.serveNode(w, r)
	case p == "/emulator/tokens":
		counts := map[string]int{}
		for _, e := range m.emulatorList() {
			counts["issued"] += len(e.Issued())
			counts["released"] += len(e.Released())
			counts["outstanding"] += len(e.Outstanding())
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(counts)
	case strings.HasPrefix(p, "/api/admin/"):
		m.serveAPI(w, r)
	default:
		NotPexip().ServeHTTP(w, r)
	}
}

// serveNode hands /nodes/NAME/... to node NAME's emulator.
func (m *PexipManager) serveNode(w http.ResponseWriter, r *http.Request) {
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/nodes/"), "/")
	p := m.Node(name)
	if p == nil {
		NotPexip().ServeHTTP(w, r)
		return
	}
	if r.Header.Get("Authorization") != "" {
		m.mu.Lock()
		m.leakedLogin++
		m.mu.Unlock()
		http.Error(w, "the Management Node's login was sent to a Conferencing Node", http.StatusBadRequest)
		return
	}
	esc := strings.TrimPrefix(r.URL.EscapedPath(), "/nodes/"+url.PathEscape(name))
	unesc, err := url.PathUnescape(esc)
	if err != nil {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = unesc, esc
	p.ServeHTTP(w, r2)
}

func (m *PexipManager) serveAPI(w http.ResponseWriter, r *http.Request) {
	user, pass, sent := r.BasicAuth()
	ok := sent && user == PexipManagerUser && pass == PexipManagerPassword
	m.mu.Lock()
	m.requests = append(m.requests, ManagerRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorized: ok, AuthSent: r.Header.Get("Authorization") != ""})
	m.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Pexip Management"`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, "<h1>401 Unauthorized</h1>\n")
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var objects []any
	switch r.URL.Path {
	case "/api/admin/status/v1/worker_vm/":
		objects = m.statusObjects()
	case "/api/admin/configuration/v1/worker_vm/":
		objects = m.configObjects()
	case "/api/admin/status/v1/alarm/":
		objects = m.alarmObjects()
	case "/api/admin/status/v1/licensing/":
		objects = m.licensingObjects()
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<h1>Not Found</h1>\n")
		return
	}
	m.page(w, r, objects)
}

// page answers with one Tastypie page of objects.
func (m *PexipManager) page(w http.ResponseWriter, r *http.Request, objects []any) {
	q := r.URL.Query()
	limit, offset := 20, 0 // Tastypie's default page size
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v >= 0 {
		limit = v
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	m.mu.Lock()
	maxLimit, style := m.maxLimit, m.nextStyle
	m.mu.Unlock()
	if limit == 0 || limit > maxLimit {
		limit = maxLimit
	}
	total := len(objects)
	end := min(offset+limit, total)
	page := []any{}
	if offset < total {
		page = objects[offset:end]
	}
	link := func(off int) *string {
		v := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(off)}}
		s := r.URL.Path + "?" + v.Encode()
		if style == NextAbsolute {
			s = "http://" + r.Host + s
		}
		return &s
	}
	var next, prev *string
	if end < total && style != NextNone {
		next = link(end)
	}
	if offset > 0 && style != NextNone {
		prev = link(max(0, offset-limit))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Meta    tastypieMeta `json:"meta"`
		Objects []any        `json:"objects"`
	}{tastypieMeta{Limit: limit, Next: next, Offset: offset, Previous: prev, TotalCount: total}, page})
}

type tastypieMeta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

// pexipTime writes a time in one of the management API's forms: UTC with
// microseconds and no zone, the same with +00:00, or without a fraction.
func pexipTime(t time.Time, form int) string {
	t = t.UTC()
	switch form % 3 {
	case 1:
		return t.Format("2006-01-02T15:04:05.000000-07:00")
	case 2:
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// The objects below carry the keys of the real API, in its (alphabetical) order.

type statusWorkerVM struct {
	BootTime              string `json:"boot_time"`
	ConfigurationID       int    `json:"configuration_id"`
	CPUCapabilities       string `json:"cpu_capabilities"`
	CPUCount              int    `json:"cpu_count"`
	CPUModel              string `json:"cpu_model"`
	DeployStatus          string `json:"deploy_status"`
	Hypervisor            string `json:"hypervisor"`
	ID                    int    `json:"id"`
	LastAttemptedContact  string `json:"last_attempted_contact"`
	LastUpdated           string `json:"last_updated"`
	MaintenanceMode       bool   `json:"maintenance_mode"`
	MaintenanceModeReason string `json:"maintenance_mode_reason"`
	MaxAudioCalls         int    `json:"max_audio_calls"`
	MaxFullHDCalls        int    `json:"max_full_hd_calls"`
	MaxHDCalls            int    `json:"max_hd_calls"`
	MaxMediaTokens        int    `json:"max_media_tokens"`
	MaxSDCalls            int    `json:"max_sd_calls"`
	MediaLoad             int    `json:"media_load"`
	MediaTokensUsed       int    `json:"media_tokens_used"`
	Name                  string `json:"name"`
	NodeType              string `json:"node_type"`
	ResourceURI           string `json:"resource_uri"`
	SignalingCount        int    `json:"signaling_count"`
	SyncStatus            string `json:"sync_status"`
	SystemLocation        string `json:"system_location"`
	TotalRAM              int    `json:"total_ram"`
	UpgradeStatus         string `json:"upgrade_status"`
	Version               string `json:"version"`
}

func (m *PexipManager) statusObjects() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]any, 0, len(m.nodes))
	for _, n := range m.nodes {
		media := n.NodeType != "PROXYING"
		o := statusWorkerVM{
			BootTime: pexipTime(now.Add(-19*24*time.Hour-3*time.Hour-n.Age), n.TimeFormat), ConfigurationID: n.ConfigID,
			CPUCapabilities: "AVX2", CPUCount: 8, CPUModel: "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
			DeployStatus: n.DeployStatus, Hypervisor: "VMware", ID: n.ID,
			LastAttemptedContact: pexipTime(now.Add(-n.Age%(10*time.Second)), n.TimeFormat),
			LastUpdated:          pexipTime(now.Add(-n.Age), n.TimeFormat), MaintenanceMode: n.Maintenance,
			MaintenanceModeReason: n.MaintenanceReason, MaxMediaTokens: n.MaxTokens, MediaLoad: n.MediaLoad,
			MediaTokensUsed: n.TokensUsed, Name: n.Name, NodeType: n.NodeType,
			ResourceURI: fmt.Sprintf("/api/admin/status/v1/worker_vm/%d/", n.ID), SignalingCount: n.SignalingCount,
			SyncStatus: n.SyncStatus, SystemLocation: n.Location, TotalRAM: 16384000,
			UpgradeStatus: n.UpgradeStatus, Version: n.Version,
		}
		if media {
			o.MaxAudioCalls, o.MaxFullHDCalls, o.MaxHDCalls, o.MaxSDCalls = 200, 12, 25, 50
		}
		out = append(out, o)
	}
	return out
}

type configWorkerVM struct {
	Address                   string   `json:"address"`
	AlternativeFQDN           string   `json:"alternative_fqdn"`
	DeploymentType            string   `json:"deployment_type"`
	Description               string   `json:"description"`
	Domain                    string   `json:"domain"`
	EnableDistributedDatabase bool     `json:"enable_distributed_database"`
	EnableSSH                 string   `json:"enable_ssh"`
	Gateway                   string   `json:"gateway"`
	Hostname                  string   `json:"hostname"`
	ID                        int      `json:"id"`
	IPv6Address               *string  `json:"ipv6_address"`
	MaintenanceMode           bool     `json:"maintenance_mode"`
	MaintenanceModeReason     string   `json:"maintenance_mode_reason"`
	MediaPriorityWeight       int      `json:"media_priority_weight"`
	Name                      string   `json:"name"`
	Netmask                   string   `json:"netmask"`
	NodeType                  string   `json:"node_type"`
	Password                  string   `json:"password"`
	ResourceURI               string   `json:"resource_uri"`
	SNMPAuthenticationPass    string   `json:"snmp_authentication_password"`
	SNMPCommunity             string   `json:"snmp_community"`
	SNMPMode                  string   `json:"snmp_mode"`
	SNMPPrivacyPassword       string   `json:"snmp_privacy_password"`
	SSHAuthorizedKeys         []string `json:"ssh_authorized_keys"`
	StaticNATAddress          *string  `json:"static_nat_address"`
	SystemLocation            string   `json:"system_location"`
	Transcoding               bool     `json:"transcoding"`
	VMCPUCount                int      `json:"vm_cpu_count"`
	VMSystemMemory            int      `json:"vm_system_memory"`
}

func (m *PexipManager) configObjects() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	locs := map[string]int{}
	for _, n := range m.nodes {
		if _, ok := locs[n.Location]; !ok {
			locs[n.Location] = len(locs) + 1
		}
	}
	out := make([]any, 0, len(m.nodes))
	for _, n := range m.nodes {
		out = append(out, configWorkerVM{
			Address: n.Address, DeploymentType: "MANUAL-PROVISION-ONLY", Description: n.Location + " " + strings.ToLower(n.NodeType) + " node",
			Domain: n.Domain, EnableDistributedDatabase: true, EnableSSH: "GLOBAL",
			Gateway: n.Address[:strings.LastIndex(n.Address, ".")] + ".1", Hostname: n.Hostname, ID: n.ConfigID,
			MaintenanceMode: n.Maintenance, MaintenanceModeReason: n.MaintenanceReason, MediaPriorityWeight: 0,
			Name: n.Name, Netmask: "255.255.255.0", NodeType: n.NodeType, Password: PexipFleetNodePassword,
			ResourceURI:            fmt.Sprintf("/api/admin/configuration/v1/worker_vm/%d/", n.ConfigID),
			SNMPAuthenticationPass: PexipFleetNodePassword, SNMPCommunity: PexipFleetSNMPCommunity, SNMPMode: "STANDARD",
			SNMPPrivacyPassword: PexipFleetNodePassword, SSHAuthorizedKeys: []string{},
			SystemLocation: fmt.Sprintf("/api/admin/configuration/v1/system_location/%d/", locs[n.Location]),
			Transcoding:    n.NodeType != "PROXYING", VMCPUCount: 8, VMSystemMemory: 16384,
		})
	}
	return out
}

type alarmObject struct {
	Acknowledged bool    `json:"acknowledged"`
	Details      string  `json:"details"`
	ID           int     `json:"id"`
	Identifier   int     `json:"identifier"`
	Instance     string  `json:"instance"`
	Level        string  `json:"level"`
	Name         string  `json:"name"`
	Node         *string `json:"node"`
	ResourceURI  string  `json:"resource_uri"`
	TimeRaised   string  `json:"time_raised"`
}

func (m *PexipManager) alarmObjects() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]any, 0, len(m.alarms))
	for _, a := range m.alarms {
		var node *string
		if a.Node != "" {
			node = &a.Node
		}
		out = append(out, alarmObject{Acknowledged: a.Acknowledged, Details: a.Details, ID: a.ID, Identifier: 1000 + a.ID,
			Instance: a.Instance, Level: a.Level, Name: a.Name, Node: node,
			ResourceURI: fmt.Sprintf("/api/admin/status/v1/alarm/%d/", a.ID),
			TimeRaised:  pexipTime(now.Add(-a.Age), a.ID)})
	}
	return out
}

type licensingObject struct {
	AudioCount          int    `json:"audio_count"`
	AudioTotal          int    `json:"audio_total"`
	CustomLayoutsActive bool   `json:"customlayouts_active"`
	GHMCount            int    `json:"ghm_count"`
	GHMTotal            int    `json:"ghm_total"`
	OTJCount            int    `json:"otj_count"`
	OTJTotal            int    `json:"otj_total"`
	PortCount           int    `json:"port_count"`
	PortTotal           int    `json:"port_total"`
	ResourceURI         string `json:"resource_uri"`
	SchedulingCount     int    `json:"scheduling_count"`
	SchedulingTotal     int    `json:"scheduling_total"`
	SystemCount         int    `json:"system_count"`
	SystemTotal         int    `json:"system_total"`
	TeamsCount          int    `json:"teams_count"`
	TeamsTotal          int    `json:"teams_total"`
	TelehealthCount     int    `json:"telehealth_count"`
	TelehealthTotal     int    `json:"telehealth_total"`
	VMRCount            int    `json:"vmr_count"`
	VMRTotal            int    `json:"vmr_total"`
}

func (m *PexipManager) licensingObjects() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.licences
	return []any{licensingObject{AudioCount: l.AudioCount, AudioTotal: l.AudioTotal, PortCount: l.PortCount, PortTotal: l.PortTotal,
		ResourceURI: "/api/admin/status/v1/licensing/1/", SystemCount: l.SystemCount, SystemTotal: l.SystemTotal,
		TeamsCount: l.TeamsCount, TeamsTotal: l.TeamsTotal, VMRCount: l.VMRCount, VMRTotal: l.VMRTotal}}
}
