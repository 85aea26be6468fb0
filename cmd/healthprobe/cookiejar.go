package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/healthprobe/healthprobe/probe"
)

// maxCookieFile caps a --cookie-jar file.
const maxCookieFile = 1 << 20

// loadCookieJar reads --cookie-jar's Netscape cookie file into a jar; a
// file that does not exist yet is an empty jar, as curl has it.
func loadCookieJar(ce *checkEnv, path string) (*probe.CookieJar, error) {
	jar := probe.NewCookieJar()
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return jar, nil
	case err != nil:
		return nil, fmt.Errorf("--cookie-jar: %w", err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("--cookie-jar: %s is not a regular file", path)
	}
	data, err := ce.readFile(path, maxCookieFile)
	if err != nil {
		return nil, fmt.Errorf("--cookie-jar: %w", err)
	}
	if err := jar.LoadNetscape(data); err != nil {
		return nil, fmt.Errorf("--cookie-jar %s: %w", path, err)
	}
	return jar, nil
}

// saveCookieJar writes the jar back: to a new file beside it, readable by
// its owner only (its cookies are credentials), renamed over the old one,
// so that a reader never sees half a file. Anything but a regular file in
// its place is left alone.
func saveCookieJar(path string, jar *probe.CookieJar) error {
	err := writeCookieJar(path, jar)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err) // not the name of the file beside it
	}
	return err
}

func writeCookieJar(path string, jar *probe.CookieJar) error {
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing there
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(jar.Netscape()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
