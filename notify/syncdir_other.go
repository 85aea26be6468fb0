//go:build !unix

package notify

// syncDir is a no-op where directories cannot be opened for syncing
// (Windows): the rename itself is atomic there.
func syncDir(string) error { return nil }
