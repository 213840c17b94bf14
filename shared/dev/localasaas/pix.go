package localasaas

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
)

// PixQrCode is the answer of GET /payments/{id}/pixQrCode.
type PixQrCode struct {
	EncodedImage   string `json:"encodedImage"`   // base64 PNG
	Payload        string `json:"payload"`        // "Pix Copia e Cola" (EMV BR Code)
	ExpirationDate string `json:"expirationDate"` // "YYYY-MM-DD 23:59:59" of the due date
}

// tlv is one EMV field: id, two-digit length, value.
func tlv(id, value string) string { return fmt.Sprintf("%s%02d%s", id, len(value), value) }

// PixPayload returns a dynamic-PIX BR Code for p: merchant account information with a
// location naming the payment, the amount, the txid (the id without "_"), and the CRC16
// field. The location host ends in .invalid: no bank can pay it.
func PixPayload(p Payment) string {
	txid := strings.ReplaceAll(p.ID, "_", "")
	if len(txid) > 25 {
		txid = txid[:25]
	}
	s := tlv("00", "01") + // payload format indicator
		tlv("01", "12") + // point of initiation: dynamic, used once
		tlv("26", tlv("00", "br.gov.bcb.pix")+tlv("25", "pix.asaas.local.invalid/qr/v2/"+p.ID)) +
		tlv("52", "0000") + // merchant category code
		tlv("53", "986") + // BRL
		tlv("54", fmt.Sprintf("%.2f", p.Value)) +
		tlv("58", "BR") +
		tlv("59", "WABOT LOCAL") +
		tlv("60", "SAO PAULO") +
		tlv("62", tlv("05", txid)) +
		"6304"
	return s + fmt.Sprintf("%04X", CRC16(s))
}

// CRC16 is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), the BR Code checksum:
// computed over the payload up to and including "6304".
func CRC16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// qrLikePNG draws a 25×25-module picture in the manner of a QR code (three finder patterns,
// modules from a hash of payload), 4 pixels a module with a quiet zone, as a PNG. It is not
// a scannable QR code.
func qrLikePNG(payload string) []byte {
	const n, scale, quiet = 25, 4, 4
	size := (n + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	finder := func(x, y int) (bool, bool) { // in a finder pattern, and dark
		for _, o := range [][2]int{{0, 0}, {n - 7, 0}, {0, n - 7}} {
			dx, dy := x-o[0], y-o[1]
			if dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7 {
				if dx < 0 || dx > 6 || dy < 0 || dy > 6 {
					return true, false
				}
				ring := min(dx, dy, 6-dx, 6-dy)
				return true, ring != 1
			}
		}
		return false, false
	}
	h := sha256.Sum256([]byte(payload))
	bits := h[:]
	for y := range n {
		for x := range n {
			in, dark := finder(x, y)
			if !in {
				k := y*n + x
				if k/8 >= len(bits) {
					next := sha256.Sum256(bits[len(bits)-32:])
					bits = append(bits, next[:]...)
				}
				dark = bits[k/8]>>(k%8)&1 == 1
			}
			if dark {
				for py := range scale {
					for px := range scale {
						img.SetGray((x+quiet)*scale+px, (y+quiet)*scale+py, color.Gray{})
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding to memory does not fail
	return buf.Bytes()
}

func pixQrCode(p Payment) PixQrCode {
	payload := PixPayload(p)
	return PixQrCode{
		EncodedImage:   base64.StdEncoding.EncodeToString(qrLikePNG(payload)),
		Payload:        payload,
		ExpirationDate: p.DueDate + " 23:59:59",
	}
}
