package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// textfileDir checks, before anything runs, that --textfile names a file
// in a directory that exists.
func textfileDir(path string) error {
	if strings.HasSuffix(path, "/") {
		return fmt.Errorf("--textfile %s: give a file name, such as healthprobe.prom", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("--textfile: %w", err)
	case !st.IsDir():
		return fmt.Errorf("--textfile: %s is not a directory", dir)
	}
	return nil
}

// writeTextfile replaces path with data atomically, as node_exporter's
// textfile collector needs: a temporary file in the same directory (named
// .BASE.tmp-*, which the collector's *.prom never matches), written,
// synced and renamed over path, and the directory synced. On any failure
// the temporary file is removed and path is left as it was.
func writeTextfile(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("--textfile: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
			err = fmt.Errorf("--textfile: %w", err)
		}
	}()
	// readable by node_exporter, which seldom runs as the same user
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // the rename survives a crash
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
