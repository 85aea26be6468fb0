package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKinds: every kind's descriptor is whole and consistent. Its name is
// its command's; it has a demo section and an emulator; its emulators'
// variables are unique across kinds; its docs page exists and the README
// links it.
func TestKinds(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, k := range kinds {
		if got := k.command().cmd.Name(); got != k.name {
			t.Errorf("kind %s builds the command %q", k.name, got)
		}
		if len(k.demo) == 0 {
			t.Errorf("kind %s has no demo section", k.name)
		}
		if len(k.emulators) == 0 {
			t.Errorf("kind %s has no emulator", k.name)
		}
		for _, e := range k.emulators {
			names := []string{e.urlVar()}
			for _, v := range e.vars {
				names = append(names, v.name)
			}
			for _, n := range names {
				if other, dup := seen[n]; dup {
					t.Errorf("%s is published by the emulators of %s and %s", n, other, k.name)
				}
				seen[n] = k.name
			}
			if _, err := e.handler(""); err != nil {
				t.Errorf("kind %s: emulator %s: %v", k.name, e.name, err)
			}
		}
		if k.doc == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", "..", k.doc)); err != nil {
			t.Errorf("kind %s: %v", k.name, err)
		}
		if !strings.Contains(string(readme), "]("+k.doc+")") {
			t.Errorf("README.md does not link %s", k.doc)
		}
	}
}
