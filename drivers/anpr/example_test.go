package anpr_test

import (
	"fmt"
	"strings"

	"github.com/kakou/kakou/drivers/anpr"
)

func ExampleReader() {
	camera := strings.NewReader("CAMERA READY\r\nPLATE,粤B·12345,蓝,93\r\n")
	r := anpr.NewReader(camera, nil)
	rd, err := r.Next()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rd.Plate, rd.Colour, rd.Confidence)
	// Output: 粤B·12345 blue 93
}
