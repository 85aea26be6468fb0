package jqsafe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/itchyny/gojq"
)

// benchDoc is a health answer of about size bytes: a status and a list of
// checks.
func benchDoc(b *testing.B, n int) any {
	var sb strings.Builder
	sb.WriteString(`{"status":"up","checks":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"name":"dep%d","ok":true,"latency_ms":%d.5,"tags":["a","b"]}`, i, i)
	}
	sb.WriteString(`]}`)
	dec := json.NewDecoder(strings.NewReader(sb.String()))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b.Fatal(err)
	}
	return v
}

var benchExprs = []string{`.status == "up"`, `[.checks[] | select(.ok | not)] | length`, `[.checks[].latency_ms] | max`, `.checks | map(.name) | join(",") | test("dep1")`}

// BenchmarkGojq and BenchmarkJqsafe run the same expressions on the same
// documents: the price of the checks.
func BenchmarkGojq(b *testing.B) {
	for _, n := range []int{10, 10000} {
		doc := benchDoc(b, n)
		for _, e := range benchExprs {
			q, _ := gojq.Parse(e)
			c, err := gojq.Compile(q)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d/%s", n, e), func(b *testing.B) {
				for b.Loop() {
					it := c.RunWithContext(context.Background(), doc)
					if v, _ := it.Next(); v == nil {
						b.Fatal("no value")
					}
				}
			})
		}
	}
}

func BenchmarkJqsafe(b *testing.B) {
	for _, n := range []int{10, 10000} {
		doc := benchDoc(b, n)
		for _, e := range benchExprs {
			p, err := Compile(e)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d/%s", n, e), func(b *testing.B) {
				for b.Loop() {
					if out, err := p.Run(context.Background(), doc, 2); err != nil || len(out) != 1 {
						b.Fatal(out, err)
					}
				}
			})
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, e := range benchExprs {
		b.Run(e, func(b *testing.B) {
			for b.Loop() {
				if _, err := Compile(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
