package dcc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// stepPicture decodes the case's QR image (2DCODE, base64 PNG) and
// compares its text with PREFIX. A QR image decoder is needed only here:
// at the gate the scanner hands the unit text.
func stepPicture(c *suiteCase) error {
	if c.TWODCODE == "" {
		return errNoPicture
	}
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.TWODCODE, "data:image/png;base64,"))
	if err != nil {
		return fmt.Errorf("2DCODE: %w", err)
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return fmt.Errorf("2DCODE: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	if res.GetText() != c.PREFIX {
		return fmt.Errorf("QR code reads %.40q…, not PREFIX", res.GetText())
	}
	return nil
}

// errNoPicture: the case expects a picture step but carries no image.
var errNoPicture = errors.New("no 2DCODE image in the case")
