package policy

import (
	"testing"

	"github.com/kakou/kakou/firmware/credential"
)

// BenchmarkDecide measures one decision per shipped profile for a person
// who goes through every check: a registered visitor with a green code, a
// clean travel card, a recent test and a mask, into a facility with room.
// A lane sees a person a second at best; the target is under 50 µs.
func BenchmarkDecide(b *testing.B) {
	in := at(travel(tested(code(credential.StatusGreen), 12), true), registered, inside(10, 100))
	for name := range profileCases {
		p := profile(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Evaluate(in)
			}
		})
	}
}

// BenchmarkParse measures loading a profile, as on a push from the centre.
func BenchmarkParse(b *testing.B) {
	doc := defaultDoc
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
