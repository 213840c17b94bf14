package asaas

import (
	"testing"
	"time"
)

// A charge is due the day it is created in São Paulo, unless fewer than MinPaymentWindow
// remain of that day.
func TestDueDate(t *testing.T) {
	t.Parallel()
	sp := time.FixedZone("BRT", -3*3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 9, 12, 0, 0, 0, sp), "2026-03-09"},
		{time.Date(2026, 3, 9, 21, 59, 0, 0, sp), "2026-03-09"},
		{time.Date(2026, 3, 9, 22, 1, 0, 0, sp), "2026-03-10"},
		{time.Date(2026, 3, 10, 1, 30, 0, 0, time.UTC), "2026-03-10"}, // 22:30 on the 9th in São Paulo
		{time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC), "2026-03-09"}, // 20:30 in São Paulo
	} {
		if got := dueDate(tc.at); got != tc.want {
			t.Errorf("dueDate(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
}
