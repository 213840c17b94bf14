package domain_test

import (
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestOperatingHoursValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		hours   domain.OperatingHours
		wantErr bool
	}{
		{name: "nil is valid (always closed)", hours: nil},
		{name: "empty day", hours: domain.OperatingHours{"monday": nil}},
		{name: "normal interval", hours: domain.OperatingHours{"monday": {{Open: "11:00", Close: "23:00"}}}},
		{name: "two intervals", hours: domain.OperatingHours{"tuesday": {{Open: "11:00", Close: "14:30"}, {Open: "18:00", Close: "23:59"}}}},
		{name: "close at 24:00", hours: domain.OperatingHours{"friday": {{Open: "18:00", Close: "24:00"}}}},
		{name: "whole day", hours: domain.OperatingHours{"sunday": {{Open: "00:00", Close: "24:00"}}}},
		{name: "overnight", hours: domain.OperatingHours{"friday": {{Open: "18:00", Close: "01:00"}}}},
		{name: "overnight to midnight as 00:00", hours: domain.OperatingHours{"saturday": {{Open: "18:00", Close: "00:00"}}}},
		{name: "every weekday", hours: domain.OperatingHours{
			"sunday": {{Open: "10:00", Close: "12:00"}}, "monday": {{Open: "10:00", Close: "12:00"}},
			"tuesday": {{Open: "10:00", Close: "12:00"}}, "wednesday": {{Open: "10:00", Close: "12:00"}},
			"thursday": {{Open: "10:00", Close: "12:00"}}, "friday": {{Open: "10:00", Close: "12:00"}},
			"saturday": {{Open: "10:00", Close: "12:00"}},
		}},
		{name: "hour 25", hours: domain.OperatingHours{"monday": {{Open: "11:00", Close: "25:00"}}}, wantErr: true},
		{name: "24:30", hours: domain.OperatingHours{"monday": {{Open: "11:00", Close: "24:30"}}}, wantErr: true},
		{name: "one-digit hour", hours: domain.OperatingHours{"monday": {{Open: "7:00", Close: "12:00"}}}, wantErr: true},
		{name: "minute 60", hours: domain.OperatingHours{"monday": {{Open: "12:60", Close: "13:00"}}}, wantErr: true},
		{name: "negative hour", hours: domain.OperatingHours{"monday": {{Open: "-1:00", Close: "13:00"}}}, wantErr: true},
		{name: "negative minute", hours: domain.OperatingHours{"monday": {{Open: "12:-5", Close: "13:00"}}}, wantErr: true},
		{name: "letters", hours: domain.OperatingHours{"monday": {{Open: "ab:cd", Close: "13:00"}}}, wantErr: true},
		{name: "dot separator", hours: domain.OperatingHours{"monday": {{Open: "12.00", Close: "13:00"}}}, wantErr: true},
		{name: "with seconds", hours: domain.OperatingHours{"monday": {{Open: "12:00:00", Close: "13:00"}}}, wantErr: true},
		{name: "empty open", hours: domain.OperatingHours{"monday": {{Open: "", Close: "13:00"}}}, wantErr: true},
		{name: "empty close", hours: domain.OperatingHours{"monday": {{Open: "12:00", Close: ""}}}, wantErr: true},
		{name: "open equals close", hours: domain.OperatingHours{"monday": {{Open: "12:00", Close: "12:00"}}}, wantErr: true},
		{name: "open at 24:00", hours: domain.OperatingHours{"monday": {{Open: "24:00", Close: "02:00"}}}, wantErr: true},
		{name: "00:00 to 00:00", hours: domain.OperatingHours{"monday": {{Open: "00:00", Close: "00:00"}}}, wantErr: true},
		{name: "bad second interval", hours: domain.OperatingHours{"monday": {{Open: "11:00", Close: "14:00"}, {Open: "18:00", Close: "18:00"}}}, wantErr: true},
		{name: "capitalised weekday", hours: domain.OperatingHours{"Monday": {{Open: "11:00", Close: "23:00"}}}, wantErr: true},
		{name: "abbreviated weekday", hours: domain.OperatingHours{"mon": {{Open: "11:00", Close: "23:00"}}}, wantErr: true},
		{name: "portuguese weekday", hours: domain.OperatingHours{"segunda": {{Open: "11:00", Close: "23:00"}}}, wantErr: true},
		{name: "unknown weekday with no intervals", hours: domain.OperatingHours{"holiday": nil}, wantErr: true},
		{name: "unknown weekday beside valid ones", hours: domain.OperatingHours{
			"monday": {{Open: "11:00", Close: "23:00"}}, "funday": {{Open: "11:00", Close: "23:00"}},
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.hours.Validate()
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Validate() error = %v", err)
				}
				return
			}
			assertCode(t, err, domain.EINVALID)
		})
	}
}

// TestOperatingHoursValidateRejectsLooseClocks covers clock strings that are five characters
// with a colon at index 2 but are not HH:MM. fmt.Sscanf("%02d:%02d") reads them leniently
// (a sign, a leading space, or stops before trailing garbage), so "07:5 " would mean 07:05.
func TestOperatingHoursValidateRejectsLooseClocks(t *testing.T) {
	t.Parallel()
	for _, clock := range []string{"12:3x", "07:5 ", "+7:00", " 7:00", "07:+5", "12: 5"} {
		t.Run(clock, func(t *testing.T) {
			t.Parallel()
			err := domain.OperatingHours{"monday": {{Open: clock, Close: "23:00"}}}.Validate()
			if err == nil {
				t.Fatalf("Validate() accepted open %q, want EINVALID", clock)
			}
			assertCode(t, err, domain.EINVALID)
		})
	}
}

// saoPaulo loads America/Sao_Paulo: UTC-3, no daylight saving time since 2019.
func saoPaulo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatalf("load America/Sao_Paulo: %v", err)
	}
	return loc
}

// at returns the instant of a local time in the week of Monday 2025-03-03 in loc, and checks
// that it falls on the weekday the test means.
func at(t *testing.T, loc *time.Location, day time.Weekday, hour, minute int) time.Time {
	t.Helper()
	// 2025-03-02 is a Sunday.
	ts := time.Date(2025, time.March, 2+int(day), hour, minute, 0, 0, loc)
	if ts.Weekday() != day {
		t.Fatalf("test date %v is a %v, want %v", ts, ts.Weekday(), day)
	}
	return ts
}

func TestOperatingHoursIsOpenAt(t *testing.T) {
	t.Parallel()
	loc := saoPaulo(t)
	hours := domain.OperatingHours{
		"monday":   {{Open: "11:00", Close: "14:00"}, {Open: "18:00", Close: "23:00"}},
		"tuesday":  {}, // closed
		"thursday": {{Open: "10:00", Close: "24:00"}},
		"friday":   {{Open: "18:00", Close: "01:00"}},
		"saturday": {{Open: "12:00", Close: "15:00"}},
		"sunday":   {{Open: "20:00", Close: "00:00"}},
	}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{name: "monday before open", at: at(t, loc, time.Monday, 10, 59), want: false},
		{name: "monday at open (inclusive)", at: at(t, loc, time.Monday, 11, 0), want: true},
		{name: "monday inside", at: at(t, loc, time.Monday, 12, 30), want: true},
		{name: "monday last minute", at: at(t, loc, time.Monday, 13, 59), want: true},
		{name: "monday at close (exclusive)", at: at(t, loc, time.Monday, 14, 0), want: false},
		{name: "monday between intervals", at: at(t, loc, time.Monday, 16, 0), want: false},
		{name: "monday second interval open", at: at(t, loc, time.Monday, 18, 0), want: true},
		{name: "monday second interval close", at: at(t, loc, time.Monday, 23, 0), want: false},
		{name: "tuesday closed day", at: at(t, loc, time.Tuesday, 12, 0), want: false},
		{name: "wednesday missing day", at: at(t, loc, time.Wednesday, 12, 0), want: false},
		{name: "thursday 23:59 with 24:00 close", at: at(t, loc, time.Thursday, 23, 59), want: true},
		{name: "friday 00:00 after thursday 24:00 close", at: at(t, loc, time.Friday, 0, 0), want: false},
		{name: "friday before overnight opens", at: at(t, loc, time.Friday, 17, 59), want: false},
		{name: "friday overnight opens", at: at(t, loc, time.Friday, 18, 0), want: true},
		{name: "friday overnight 23:59", at: at(t, loc, time.Friday, 23, 59), want: true},
		{name: "saturday 00:00 from friday", at: at(t, loc, time.Saturday, 0, 0), want: true},
		{name: "saturday 00:30 from friday", at: at(t, loc, time.Saturday, 0, 30), want: true},
		{name: "saturday 01:00 friday closed", at: at(t, loc, time.Saturday, 1, 0), want: false},
		{name: "saturday own interval", at: at(t, loc, time.Saturday, 12, 0), want: true},
		{name: "saturday evening not friday's", at: at(t, loc, time.Saturday, 18, 30), want: false},
		{name: "sunday open until midnight", at: at(t, loc, time.Sunday, 23, 59), want: true},
		{name: "monday 00:00 after sunday 00:00 close", at: at(t, loc, time.Monday, 0, 0), want: false},
		{name: "thursday early morning: wednesday had nothing", at: at(t, loc, time.Thursday, 0, 30), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := hours.IsOpenAt(tt.at, loc); got != tt.want {
				t.Errorf("IsOpenAt(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestOperatingHoursIsOpenAtUsesLocalDay(t *testing.T) {
	t.Parallel()
	loc := saoPaulo(t)
	hours := domain.OperatingHours{
		"friday":   {{Open: "20:00", Close: "24:00"}},
		"saturday": {{Open: "10:00", Close: "12:00"}},
		"sunday":   {{Open: "00:00", Close: "03:00"}},
	}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		// Saturday 01:30 UTC is Friday 22:30 in São Paulo.
		{name: "utc saturday is local friday evening", at: time.Date(2025, time.March, 8, 1, 30, 0, 0, time.UTC), want: true},
		// Saturday 14:30 UTC is Saturday 11:30 local.
		{name: "utc afternoon is local morning", at: time.Date(2025, time.March, 8, 14, 30, 0, 0, time.UTC), want: true},
		// Saturday 11:30 UTC is Saturday 08:30 local: not yet open.
		{name: "utc 11:30 is local 08:30", at: time.Date(2025, time.March, 8, 11, 30, 0, 0, time.UTC), want: false},
		// Sunday 02:00 UTC is Saturday 23:00 local: Saturday closed at 12:00, and Sunday's
		// 00:00-03:00 has not begun.
		{name: "utc sunday is local saturday night", at: time.Date(2025, time.March, 9, 2, 0, 0, 0, time.UTC), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := hours.IsOpenAt(tt.at, loc); got != tt.want {
				t.Errorf("IsOpenAt(%v = %v local) = %v, want %v", tt.at, tt.at.In(loc), got, tt.want)
			}
			// The same hours read in UTC give the other answer for these instants, so the
			// zone is what decides.
			if got := hours.IsOpenAt(tt.at, time.UTC); got == tt.want {
				t.Errorf("IsOpenAt(%v, UTC) = %v, want the zone to matter", tt.at, got)
			}
		})
	}
}

func TestLoadTimezone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "empty defaults to sao paulo", in: "", want: domain.DefaultTimezone},
		{name: "iana zone", in: "America/Manaus", want: "America/Manaus"},
		{name: "utc", in: "UTC", want: "UTC"},
		{name: "unknown zone", in: "America/Atlantis", wantErr: true},
		{name: "offset string", in: "-03:00", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, err := domain.LoadTimezone(tt.in)
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("LoadTimezone(%q) error = %v", tt.in, err)
			}
			if loc.String() != tt.want {
				t.Errorf("LoadTimezone(%q) = %q, want %q", tt.in, loc, tt.want)
			}
		})
	}
}
