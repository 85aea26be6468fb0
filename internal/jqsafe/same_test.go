package jqsafe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/itchyny/gojq"
)

// sameExprs are ordinary expressions: jqsafe must give what gojq gives,
// values, order and error texts.
var sameExprs = []string{
	// regular expressions
	`test("b")`, `test("B"; "i")`, `test("^a")`, `test(["A", "i"])`, `[match("b"; "g")]`,
	`[match(""; "g")]`, `[match("a*"; "g")]`, `[match("\\b"; "g")]`, `[match("^"; "g")]`,
	`[match("(?<x>a)|(?<y>z)"; "g")]`, `[match("(a)(b)?"; "g")]`, `match("é+")`, `[match("."; "g")] | length`,
	`[match("x*|b"; "g")]`, `[match("(?m)^.*$"; "g")]`, `[match(".$"; "gm")]`, `[match("[aé]"; "g") | .offset]`,
	`capture("(?<first>\\w)(?<rest>\\w*)")`, `[capture("(?<l>[a-z])"; "g")]`, `[scan("[a-z]")]`, `[scan("(a)(b)")]`,
	`[scan("c"; "g")]`, `[splits(", *")]`, `split(", *"; null)`, `[splits("")]`, `[splits("a*")]`, `split("x"; "g")`,
	`sub("a"; "X")`, `gsub("a"; "X")`, `gsub(""; "-")`, `gsub("(?<c>[aeiou])"; "<\(.c)>")`, `sub("^"; ">")`,
	`gsub("\\b"; "|")`, `[gsub("a"; "1", "2")]`, `[sub("(?<x>.)"; .x, empty)]`, `gsub("a"; empty)`, `gsub("a*"; "-")`,
	`sub("a"; 1)`, `gsub("é"; "e")`, `gsub("\\s+"; " "; "g")`, `ascii_downcase | gsub("[^a-z]"; "")`,
	`test(1)`, `match("a"; 1)`, `test("(")`, `test("a"; "x")`, `1 | test("a")`, `[.[]? | strings | test("a")]`,
	`_match("a"; "g"; false)`, `_match("a"; null; true)`, `[match(["b", "g"])]`, `split(", ")`,
	// operators and their output order
	`[(1,2) + (10,20)]`, `[(1,2) - (10,20)]`, `[(1,2) * (10,20)]`, `[(1,2) == (1,2)]`, `[(1,2) < (2,1)]`,
	`1 + 2`, `1 + null`, `null + "a"`, `"a" + "b"`, `[1] + [2]`, `{a:1} + {b:2}`, `"a" + 1`, `{} + []`,
	`10 - 3`, `[1,2,3,2] - [2]`, `[[1],[2]] - [[1]]`, `"a" - "b"`, `{} - {}`, `[1,{"a":1}] - [{"a":1}]`,
	`"ab" * 3`, `3 * "ab"`, `"ab" * 0`, `"ab" * -1`, `"ab" * 1.5`, `{a:{b:1}} * {a:{c:2}}`, `4 * 5`, `9223372036854775807 * 3`,
	`10 / 4`, `"a,b,c" / ","`, `"abc" / ""`, `1 / 0`, `7 % 3`, `7 % 0`, `5.5 % 2`,
	`1 == 1.0`, `[1,2] == [1,2]`, `{a:1} != {a:2}`, `"a" < "b"`, `[1] < [1,0]`, `{} < []`, `null < false`,
	`100000000000000000000 + 1`, `100000000000000000000 * 100000000000000000000`, `-(1)`, `.a + .b`,
	`"\(1 + 2) and \("x")"`, `@json "v=\(.)"`, `@text "\(.)"`,
	// assignment
	`.a = 1`, `.[0] = 1`, `.a.b.c = 1`, `.a |= 5`, `.x += 1`, `.x -= 1`, `.x *= 2`, `.x /= 2`, `.x %= 2`, `.x //= 9`,
	`(.a, .b) = (1, 2)`, `.[2:4] = ["x"]`, `.list[] += 1`, `.list |= map(. * 2)`, `.. |= (numbers |= . + 1)`,
	`[.[]?] | .[5] = 1`, `null | .[3] = 1`, `.a[1:] = [9]`, `to_entries`, `with_entries(.value |= tostring)`,
	`setpath(["a","b"]; 1)`, `setpath([0]; 1)`, `null | setpath([2]; 1)`, `[setpath(["a"], ["b"]; 1, 2)]`,
	`delpaths([["a"]])`, `del(.a)`, `del(.list[0, 2])`, `pick(.a)`, `pick(.list[1])`, `[tostream]`,
	`fromstream(tostream)`, `[paths]`, `getpath(["a"])`, `del(.[])`,
	`setpath(1; 1)`, `delpaths(1)`, `.a = (1, 2)`, `[.[]?] | .[-1] = 1`,
	// encodings and builders
	`tojson`, `tostring`, `@html`, `@uri`, `@csv`, `@tsv`, `@sh`, `@base64`, `@base64 | @base64d`, `@json`, `@text`,
	`[1, "a b", null] | @sh`, `[1, "a,b"] | @csv`, `format("json")`, `format("html")`, `format("nope")`, `{} | @csv`,
	`add`, `[[1],[2]] | add`, `["a","b"] | add`, `[{a:1},{b:2}] | add`, `[] | add`, `add(.[]?)`, `{a:1,b:2} | add`,
	`["a","b"] | join(", ")`, `[1, null, "x"] | join("-")`, `[[1]] | join(",")`, `[[1,[2]],3] | flatten`, `[[1,[2]],3] | flatten(1)`,
	`[1] | flatten(-1)`, `[[1,2],[3]] | transpose`, `"aé" | explode`, `"a,b" | split(",")`, `"" | split(",")`,
	`"12" | tonumber`, `"1.5e3" | tonumber`, `"x" | tonumber`, `"[1,{\"a\":2}]" | fromjson`, `"{" | fromjson`,
	`"123456789012345678901234567890" | tonumber`, `tojson | fromjson`,
	// sorting and searching
	`[3,1,2] | sort`, `[3,1,2,1] | unique`, `[3,1,2] | min`, `[3,1,2] | max`, `[] | min`,
	`[{a:2},{a:1}] | sort_by(.a)`, `[{a:2},{a:1},{a:2}] | group_by(.a)`, `[{a:2},{a:1},{a:2}] | unique_by(.a)`,
	`[{a:2},{a:1}] | min_by(.a)`, `[{a:2},{a:1}] | max_by(.a)`, `[1,2,3] | bsearch(2)`, `1 | sort`,
	`"foobar" | contains("bar")`, `[1,[2,3]] | contains([[2]])`, `{a:{b:1,c:2}} | contains({a:{b:1}})`, `1 | contains("a")`,
	`true | contains(false)`, `null | contains(null)`, `"bar" | inside("foobar")`, `[1] | inside([1,2])`, `[1,"a"] | contains(["a"])`,
	`"a,b, cd, efg" | indices(", ")`, `"aaaa" | indices("aa")`, `"aéaé" | indices("é")`, `"abc" | indices("")`,
	`[0,1,2,1,3,1,2] | indices(1)`, `[0,1,2,1,3,1,2] | indices([1,2])`, `[] | indices([])`, `"abc" | index("c")`,
	`"abcabc" | rindex("bc")`, `"abc" | index("x")`, `[1,2,1] | rindex(1)`, `null | indices(1)`, `1 | indices(1)`,
	`"a" | indices(1)`, `.[]? | indices(1)?`, `IN(1, 2)`, `.[]? | IN(1, 2)`, `IN([1,2][]; 2)`, `INDEX(.id)`,
	`[{id:1},{id:"x"}] | INDEX(.id)`, `INDEX([{id:1}][]; .id)`,
	// iteration, environment
	`[limit(3; repeat(1))]`, `[range(5)]`, `first(range(10))`, `[.[]?]`, `$ENV`, `env`,
	`[recurse] | length`, `walk(if type == "number" then . + 1 else . end)`, `[splits("a"; "x")]`, `"x" | ltrimstr("x")`,
}

var sameInputs = []string{
	`"abc, bab, é, a1a"`,
	`{"a": 1, "b": 2, "x": 10, "list": [1, 2, 3], "id": "k"}`,
	`[1, "a", null, true, [2], {"a": 3}]`,
	`"\u0000<&>' \"é\""`,
	`null`,
}

func TestSameAsGojq(t *testing.T) {
	for _, in := range sameInputs {
		var v any
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, expr := range sameExprs {
			want := runGojq(t, expr, v)
			p, err := Compile(expr)
			if err != nil {
				t.Errorf("%s: %v", expr, err)
				continue
			}
			got := runSafe(p, v)
			if got != want {
				t.Errorf("on %s: %s\n got: %s\nwant: %s", in, expr, got, want)
			}
		}
	}
}

func runGojq(t *testing.T, expr string, v any) string {
	q, err := gojq.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gojq.Compile(q)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return show(c.Run(v))
}

func runSafe(p *Program, v any) string {
	out, err := p.Run(context.Background(), v, 0)
	vals := make([]any, len(out))
	copy(vals, out)
	if err != nil {
		vals = append(vals, err)
	}
	return show(gojq.NewIter(vals...))
}

func show(it gojq.Iter) string {
	var b strings.Builder
	for {
		v, ok := it.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			fmt.Fprintf(&b, "error: %s\n", err)
			break
		}
		s, err := gojq.Marshal(v)
		if err != nil {
			fmt.Fprintf(&b, "unmarshalable %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "%s\n", s)
	}
	return b.String()
}

// TestPreludeOrder: a jq definition sees only the definitions before it,
// so a shadow that calls another shadow must come after it; otherwise it
// reaches gojq's unchecked builtin. The _hp_*0 aliases reach gojq's on
// purpose.
func TestPreludeOrder(t *testing.T) {
	p := prelude()
	defined := map[string]int{}
	for i, fd := range p.defs {
		if _, seen := defined[fd.Name]; !seen {
			defined[fd.Name] = i
		}
	}
	last := map[string]int{}
	for i, fd := range p.defs {
		last[fd.Name] = i
	}
	for i, fd := range p.defs {
		if strings.HasPrefix(fd.Name, "_hp_") && strings.HasSuffix(fd.Name, "0") {
			continue
		}
		for _, n := range p.uses[i] {
			if j, ok := last[n]; ok && j > i && n != fd.Name {
				t.Errorf("%s/%d uses %s, defined after it", fd.Name, len(fd.Args), n)
			}
		}
	}
}

// A deadline already past ends even an expression of one step, whether or
// not the context's timer has fired yet.
func TestDeadlinePassed(t *testing.T) {
	p, err := Compile(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx := deadlineOnly{context.Background(), time.Now().Add(-time.Millisecond)}
	if out, err := p.Run(ctx, 1, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, %v", out, err)
	}
}

// deadlineOnly has a deadline but is never done by itself, as a context
// whose timer has not fired.
type deadlineOnly struct {
	context.Context
	d time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }
