package probe

import (
	"context"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// BenchmarkFlow runs the three steps of a token flow (log in, read, log
// out) against the login API emulator; BenchmarkFlowSameRequests makes the
// same three requests as three plain HTTP checks, for what a flow adds:
// the token read and carried, the jar, the step results.
func BenchmarkFlow(b *testing.B) {
	_, base := loginAPI(b)
	steps := tokenFlow(b, base, base+"/api/orders?limit=1")
	for b.Loop() {
		r := Flow(context.Background(), FlowConfig{Steps: steps, Timeout: 10 * time.Second})
		if r.State != nagios.OK {
			b.Fatal(r.Summary)
		}
	}
}

func BenchmarkFlowSameRequests(b *testing.B) {
	_, base := loginAPI(b)
	login, _ := request("POST", base+"/api/login", nil, loginBody)(nil)
	for b.Loop() {
		HTTP(context.Background(), login)
		// the token is not carried: the API answers 401 below, as costly
		for _, u := range []string{base + "/api/orders?limit=1", base + "/api/logout"} {
			cfg, _ := request("GET", u, nil, "")(nil)
			HTTP(context.Background(), cfg)
		}
	}
}
