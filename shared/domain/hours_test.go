package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestOperatingHoursValidate(t *testing.T) {
	t.Parallel()
	r := func(open, close string) domain.TimeRange { return domain.TimeRange{Open: open, Close: close} }
	tests := []struct {
		name  string
		hours domain.OperatingHours
		want  []string // the fields named, in order; none: valid
	}{
		{name: "nil is valid (always closed)", hours: nil},
		{name: "empty day", hours: domain.OperatingHours{"monday": nil}},
		{name: "normal interval", hours: domain.OperatingHours{"monday": {r("11:00", "23:00")}}},
		{name: "two intervals", hours: domain.OperatingHours{"tuesday": {r("11:00", "14:30"), r("18:00", "23:59")}}},
		{name: "two intervals out of order", hours: domain.OperatingHours{"tuesday": {r("18:00", "23:00"), r("11:00", "14:30")}}},
		{name: "intervals that touch", hours: domain.OperatingHours{"tuesday": {r("11:00", "15:00"), r("15:00", "23:00")}}},
		{name: "close at 24:00", hours: domain.OperatingHours{"friday": {r("18:00", "24:00")}}},
		{name: "whole day", hours: domain.OperatingHours{"sunday": {r("00:00", "24:00")}}},
		{name: "whole week, day after day", hours: domain.OperatingHours{
			"monday": {r("00:00", "24:00")}, "tuesday": {r("00:00", "24:00")}, "wednesday": {r("00:00", "24:00")},
			"thursday": {r("00:00", "24:00")}, "friday": {r("00:00", "24:00")}, "saturday": {r("00:00", "24:00")},
			"sunday": {r("00:00", "24:00")},
		}},
		{name: "overnight", hours: domain.OperatingHours{"friday": {r("18:00", "01:00")}}},
		{name: "overnight to midnight as 00:00", hours: domain.OperatingHours{"saturday": {r("18:00", "00:00")}}},
		{name: "overnight then the next day opens when it closes", hours: domain.OperatingHours{
			"friday": {r("18:00", "02:00")}, "saturday": {r("02:00", "04:00"), r("18:00", "02:00")},
		}},
		{name: "overnight then the next day opens later", hours: domain.OperatingHours{
			"friday": {r("18:00", "02:00")}, "saturday": {r("11:00", "15:00")},
		}},
		{name: "lunch and an overnight dinner", hours: domain.OperatingHours{"friday": {r("11:00", "15:00"), r("18:00", "02:00")}}},
		{name: "sunday overnight and monday after it", hours: domain.OperatingHours{
			"sunday": {r("20:00", "02:00")}, "monday": {r("02:00", "10:00")},
		}},
		{name: "six ranges a day", hours: domain.OperatingHours{"monday": {
			r("06:00", "07:00"), r("08:00", "09:00"), r("10:00", "11:00"), r("12:00", "13:00"), r("14:00", "15:00"), r("16:00", "17:00"),
		}}},
		{name: "every weekday", hours: domain.OperatingHours{
			"sunday": {r("10:00", "12:00")}, "monday": {r("10:00", "12:00")},
			"tuesday": {r("10:00", "12:00")}, "wednesday": {r("10:00", "12:00")},
			"thursday": {r("10:00", "12:00")}, "friday": {r("10:00", "12:00")},
			"saturday": {r("10:00", "12:00")},
		}},

		{name: "hour 25", hours: domain.OperatingHours{"monday": {r("11:00", "25:00")}}, want: []string{"operatingHours.monday[0].close"}},
		{name: "24:30", hours: domain.OperatingHours{"monday": {r("11:00", "24:30")}}, want: []string{"operatingHours.monday[0].close"}},
		{name: "one-digit hour", hours: domain.OperatingHours{"monday": {r("7:00", "12:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "minute 60", hours: domain.OperatingHours{"monday": {r("12:60", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "negative hour", hours: domain.OperatingHours{"monday": {r("-1:00", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "negative minute", hours: domain.OperatingHours{"monday": {r("12:-5", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "letters", hours: domain.OperatingHours{"monday": {r("ab:cd", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "dot separator", hours: domain.OperatingHours{"monday": {r("12.00", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "with seconds", hours: domain.OperatingHours{"monday": {r("12:00:00", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "empty open", hours: domain.OperatingHours{"monday": {r("", "13:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "empty close", hours: domain.OperatingHours{"monday": {r("12:00", "")}}, want: []string{"operatingHours.monday[0].close"}},
		{name: "both clocks bad", hours: domain.OperatingHours{"monday": {r("noon", "late")}}, want: []string{
			"operatingHours.monday[0].open", "operatingHours.monday[0].close",
		}},
		{name: "open equals close", hours: domain.OperatingHours{"monday": {r("12:00", "12:00")}}, want: []string{"operatingHours.monday[0].close"}},
		{name: "open at 24:00", hours: domain.OperatingHours{"monday": {r("24:00", "02:00")}}, want: []string{"operatingHours.monday[0].open"}},
		{name: "00:00 to 00:00", hours: domain.OperatingHours{"monday": {r("00:00", "00:00")}}, want: []string{"operatingHours.monday[0].close"}},
		{name: "bad second interval", hours: domain.OperatingHours{"monday": {r("11:00", "14:00"), r("18:00", "18:00")}}, want: []string{"operatingHours.monday[1].close"}},
		{name: "capitalised weekday", hours: domain.OperatingHours{"Monday": {r("11:00", "23:00")}}, want: []string{"operatingHours.Monday"}},
		{name: "abbreviated weekday", hours: domain.OperatingHours{"mon": {r("11:00", "23:00")}}, want: []string{"operatingHours.mon"}},
		{name: "portuguese weekday", hours: domain.OperatingHours{"segunda": {r("11:00", "23:00")}}, want: []string{"operatingHours.segunda"}},
		{name: "unknown weekday with no intervals", hours: domain.OperatingHours{"holiday": nil}, want: []string{"operatingHours.holiday"}},
		{name: "unknown weekday beside valid ones", hours: domain.OperatingHours{
			"monday": {r("11:00", "23:00")}, "funday": {r("11:00", "23:00")},
		}, want: []string{"operatingHours.funday"}},
		{name: "seven ranges a day", hours: domain.OperatingHours{"monday": {
			r("06:00", "07:00"), r("08:00", "09:00"), r("10:00", "11:00"), r("12:00", "13:00"), r("14:00", "15:00"), r("16:00", "17:00"), r("18:00", "19:00"),
		}}, want: []string{"operatingHours.monday"}},
		{name: "overlap on one day", hours: domain.OperatingHours{"monday": {r("11:00", "15:00"), r("14:00", "23:00")}}, want: []string{"operatingHours.monday[1]"}},
		{name: "one range inside another", hours: domain.OperatingHours{"monday": {r("11:00", "23:00"), r("12:00", "13:00")}}, want: []string{"operatingHours.monday[1]"}},
		{name: "the same range twice", hours: domain.OperatingHours{"monday": {r("11:00", "23:00"), r("11:00", "23:00")}}, want: []string{"operatingHours.monday[1]"}},
		{name: "a range overlapping two earlier ones is named once", hours: domain.OperatingHours{
			"monday": {r("11:00", "14:00"), r("18:00", "23:00"), r("10:00", "24:00")},
		}, want: []string{"operatingHours.monday[2]"}},
		{name: "overlaps on several days", hours: domain.OperatingHours{
			"monday": {r("11:00", "15:00"), r("14:00", "23:00")}, "wednesday": {r("11:00", "15:00"), r("11:30", "12:00"), r("12:00", "16:00")},
		}, want: []string{"operatingHours.monday[1]", "operatingHours.wednesday[1]", "operatingHours.wednesday[2]"}},
		{name: "an overnight range and the same evening", hours: domain.OperatingHours{"friday": {r("18:00", "02:00"), r("22:00", "23:00")}}, want: []string{"operatingHours.friday[1]"}},
		{name: "an overnight range and the next morning", hours: domain.OperatingHours{
			"friday": {r("18:00", "02:00")}, "saturday": {r("00:00", "03:00")},
		}, want: []string{"operatingHours.saturday[0]"}},
		{name: "an overnight range and the next day's overnight range of the whole day", hours: domain.OperatingHours{
			"friday": {r("18:00", "02:00")}, "saturday": {r("01:00", "00:00")},
		}, want: []string{"operatingHours.saturday[0]"}},
		{name: "an overnight range on sunday reaches monday", hours: domain.OperatingHours{
			"monday": {r("00:00", "03:00")}, "sunday": {r("20:00", "02:00")},
		}, want: []string{"operatingHours.sunday[0]"}},
		{name: "an overnight range to 00:00 does not reach the next day", hours: domain.OperatingHours{
			"friday": {r("18:00", "00:00")}, "saturday": {r("00:00", "03:00")},
		}},
		{name: "bad ranges are left out of the overlap check", hours: domain.OperatingHours{
			"monday": {r("11:00", "23:00"), r("12:00", "12:00"), r("25:00", "13:00")},
		}, want: []string{"operatingHours.monday[1].close", "operatingHours.monday[2].open"}},
		{name: "many problems, unknown days first then monday to sunday", hours: domain.OperatingHours{
			"sunday": {r("10:00", "9:00")}, "xday": nil, "monday": {r("24:00", "01:00")}, "aday": nil,
			"thursday": {r("10:00", "12:00"), r("11:00", "13:00")},
		}, want: []string{
			"operatingHours.aday", "operatingHours.xday", "operatingHours.monday[0].open",
			"operatingHours.thursday[1]", "operatingHours.sunday[0].close",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkInvalidFields(t, tt.hours.Validate(), tt.want...)
		})
	}
}

func TestOperatingHoursValidateMessages(t *testing.T) {
	t.Parallel()
	hours := domain.OperatingHours{
		"friday":   {{Open: "18:00", Close: "02:00"}},
		"saturday": {{Open: "00:00", Close: "03:00"}, {Open: "7:00", Close: "09:00"}, {Open: "10:00", Close: "10:00"}},
	}
	want := []domain.FieldError{
		{Field: "operatingHours.saturday[0]", Message: "00:00-03:00 overlaps operatingHours.friday[0] (18:00-02:00 the next day)"},
		{Field: "operatingHours.saturday[1].open", Message: `"7:00" is not HH:MM`},
		{Field: "operatingHours.saturday[2].close", Message: "equals open (10:00): the range is empty"},
	}
	if got := domain.FieldsOf(hours.Validate()); !slices.Equal(got, want) {
		t.Errorf("fields = %q\nwant %q", got, want)
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
