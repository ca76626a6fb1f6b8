package qrscan_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kakou/kakou/drivers/qrscan"
)

func Example() {
	// A serial port would go here; see package serialscanner.
	in := strings.NewReader("HC1:GREEN-1234\r\n\x00\xff\rHC1:GREEN-1234\r\n\x1b[A\rRESIDENT-7\t")
	r := qrscan.NewReader(in, nil)
	for {
		c, err := r.Next()
		if errors.Is(err, qrscan.ErrOversize) {
			continue // dropped; framing resumes at the next terminator
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		if !c.Valid {
			fmt.Printf("unknown code %q\n", c.Data)
			continue
		}
		fmt.Println(string(c.Data))
	}
	// Output:
	// HC1:GREEN-1234
	// unknown code "\x1b[A"
	// RESIDENT-7
}
