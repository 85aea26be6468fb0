package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

// BenchmarkBatchReport: the results of a batch of 1000 checks (32 at a
// time, as run -c) reported through one shared icinga2 sink: the state
// and outbox files of each check and one request each, over the sink's
// reused connections. Against a loopback server that answers as Icinga 2;
// contrib/icinga2/test/run.sh measures the real one.
func BenchmarkBatchReport(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"results":[{"code":200,"status":"ok"}]}`)
	}))
	defer srv.Close()
	s, err := SinkConfig{Name: "icinga", URL: srv.URL, Format: "icinga2", Username: "u", Password: "p", Host: "probes"}.Build(noEnv)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	const checks, conc = 1000, 32
	b.ReportAllocs()
	for b.Loop() {
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		for i := range checks {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				tr := &Tracker{Dir: dir, Sinks: []*Sink{s}, Version: "bench"}
				name := fmt.Sprintf("batch-%04d", i)
				if err := tr.Process(context.Background(), name, name, reportResult(nagios.OK)); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/1000-results")
}
