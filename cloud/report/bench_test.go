package report

import (
	"testing"
)

// countingWriter counts the bytes of a report without keeping them.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// A city's daily report: 1,000 sites, built and written as the API's XLSX
// download does on every request.
func BenchmarkBuildWriteXLSX1000Sites(b *testing.B) {
	p := testPeriod(b)
	sites := manySites(1000)
	var out countingWriter
	for b.Loop() {
		out.n = 0
		if err := WriteXLSX(&out, Build(p, sites), "zh"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n), "bytes/report")
}

func BenchmarkBuildWriteCSV1000Sites(b *testing.B) {
	p := testPeriod(b)
	sites := manySites(1000)
	var out countingWriter
	for b.Loop() {
		out.n = 0
		if err := WriteCSV(&out, Build(p, sites), "zh"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n), "bytes/report")
}

func BenchmarkBuild1000Sites(b *testing.B) {
	p := testPeriod(b)
	sites := manySites(1000)
	for b.Loop() {
		_ = Build(p, sites)
	}
}
