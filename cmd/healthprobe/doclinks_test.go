package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// docLinkPending are pages linked before they are written; each entry is
// removed when its page lands.
var docLinkPending = map[string]string{}

// TestDocLinks: every relative link of README.md and docs/*.md reaches a
// file, and every #anchor a heading of its page, as GitHub names headings,
// or an <a id> of it.
// The README's sections moved to docs/ (issue 15): a link left pointing at
// a section that moved fails here.
func TestDocLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := map[string]bool{}
		seen := map[string]int{}
		for _, line := range proseLines(string(b)) {
			for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
				a[m[1]] = true
			}
			if title, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") {
				slug := headingSlug(title)
				if n := seen[slug]; n > 0 {
					a[slug+"-"+strconv.Itoa(n)] = true
				} else {
					a[slug] = true
				}
				seen[slug]++
			}
		}
		anchors[path] = a
		return a
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, page)
		for _, line := range proseLines(string(b)) {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				path := page
				if file != "" {
					path = filepath.Join(filepath.Dir(page), file)
				}
				repoPath, _ := filepath.Rel(root, path)
				if _, pending := docLinkPending[filepath.ToSlash(repoPath)]; pending {
					continue
				}
				checked++
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s links %s: no such file", rel, target)
					continue
				}
				if anchor != "" && strings.HasSuffix(path, ".md") && !anchorsOf(path)[anchor] {
					t.Errorf("%s links %s: %s has no heading #%s", rel, target, repoPath, anchor)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d links checked: the link pattern no longer matches", checked)
	}
}

// htmlAnchor is an anchor set by hand: <a id="last-day"></a>.
var htmlAnchor = regexp.MustCompile(`<a id="([^"]+)"></a>`)

// proseLines are a markdown text's lines outside fenced code blocks.
func proseLines(doc string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// headingSlug is the anchor GitHub gives a heading: lower case, letters,
// digits, '-' and '_' kept, spaces as '-', everything else dropped.
func headingSlug(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(title)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
