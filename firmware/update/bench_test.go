package update

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkDownloadVerifyInstall is one whole update of an 8 MiB binary
// (a little under half a kakou-unit): the HTTPS download over loopback,
// the size and sha256 check, the install beside the running version and
// the symlink swap. On a Pi the sha256 of the binary dominates.
func BenchmarkDownloadVerifyInstall(b *testing.B) {
	body := []byte(strings.Repeat("kakou-unit binary ", (8<<20)/18))
	b.SetBytes(int64(len(body)))
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		r := newRig(b)
		push := r.publish("1.5.0", body, runs)
		u := r.updater("1.4.0")
		b.StartTimer()
		if err := u.Apply(context.Background(), push); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		r.srv.Close()
		b.StartTimer()
	}
}
