package server

import (
	"bytes"
	"fmt"
	"io"

	"github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// QR codes of offer and request links (github.com/yeqown/go-qrcode/v2):
// PNG for the pages (as data: images, which the Content-Security-Policy
// allows) and files, SVG for print. Error correction is medium, the
// specifications' links being long.

// QRPNG returns the QR code of text as a PNG image, with a quiet zone.
func QRPNG(text string) ([]byte, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf}, standard.WithBuiltinImageEncoder(standard.PNG_FORMAT),
		standard.WithQRWidth(8), standard.WithBorderWidth(32))
	if err := q.Save(w); err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return buf.Bytes(), nil
}

// QRSVG returns the QR code of text as an SVG image: one path of unit
// squares, four modules of quiet zone, scalable without loss.
func QRSVG(text string) ([]byte, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	sw := &svgWriter{}
	if err := q.Save(sw); err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return sw.out, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// svgWriter is a qrcode.Writer that draws the matrix as SVG.
type svgWriter struct{ out []byte }

func (s *svgWriter) Write(mat qrcode.Matrix) error {
	bm := mat.Bitmap()
	const quiet = 4
	n := len(bm) + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n*8, n*8, n, n)
	for y, row := range bm {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	s.out = b.Bytes()
	return nil
}

func (s *svgWriter) Close() error { return nil }
