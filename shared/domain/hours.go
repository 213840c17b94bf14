package domain

import (
	"fmt"
	"sort"
	"strings"
	"time"
	// Embedded zone data: the Lambda runtime image is minimal and may carry no tzdata, and
	// opening hours are meaningless in the wrong zone.
	_ "time/tzdata"
)

// DefaultTimezone is where the platform's stores are unless they say otherwise.
const DefaultTimezone = "America/Sao_Paulo"

// TimeRange is one opening interval of a day, "HH:MM" local time. A Close earlier than Open
// runs past midnight into the next day ("18:00"-"02:00"); Close "24:00" ends at midnight.
type TimeRange struct {
	Open  string `dynamodbav:"open" json:"open"`
	Close string `dynamodbav:"close" json:"close"`
}

// OperatingHours maps a lower-case English weekday ("monday" ... "sunday") to its opening
// intervals. A missing or empty day is closed.
type OperatingHours map[string][]TimeRange

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

func weekdayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// parseClock returns minutes after midnight for "HH:MM" (00:00 to 24:00), two digits each.
func parseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Validate checks weekday names and every interval.
func (oh OperatingHours) Validate() error {
	days := make([]string, 0, len(oh))
	for d := range oh {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, day := range days {
		if _, ok := weekdays[day]; !ok {
			return Errorf(EINVALID, "operatingHours: %q is not a weekday (use monday ... sunday)", day)
		}
		for _, r := range oh[day] {
			o, err := parseClock(r.Open)
			if err != nil {
				return Errorf(EINVALID, "operatingHours.%s: open %v", day, err)
			}
			c, err := parseClock(r.Close)
			if err != nil {
				return Errorf(EINVALID, "operatingHours.%s: close %v", day, err)
			}
			if o == c || o == 24*60 {
				return Errorf(EINVALID, "operatingHours.%s: %s-%s is an empty interval", day, r.Open, r.Close)
			}
		}
	}
	return nil
}

// IsOpenAt reports whether a store with these hours, in time zone loc, is open at t.
// Intervals that cross midnight count on both days.
func (oh OperatingHours) IsOpenAt(t time.Time, loc *time.Location) bool {
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	for _, r := range oh[weekdayName(local.Weekday())] {
		o, err1 := parseClock(r.Open)
		c, err2 := parseClock(r.Close)
		if err1 != nil || err2 != nil {
			continue
		}
		if c > o && now >= o && now < c {
			return true
		}
		if c < o && now >= o { // overnight: the evening part
			return true
		}
	}
	for _, r := range oh[weekdayName(local.AddDate(0, 0, -1).Weekday())] {
		o, err1 := parseClock(r.Open)
		c, err2 := parseClock(r.Close)
		if err1 != nil || err2 != nil {
			continue
		}
		if c < o && now < c { // overnight from yesterday: the early-morning part
			return true
		}
	}
	return false
}

// LoadTimezone resolves an IANA zone name, defaulting to DefaultTimezone when empty.
func LoadTimezone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(EINVALID, "timezone %q is not an IANA time zone", name)
	}
	return loc, nil
}

// NextOpening returns the next time at or after t when a store with these hours, in time
// zone loc, opens (the start of an interval), looking a week ahead; ok is false when the
// store has no opening hours at all.
func (oh OperatingHours) NextOpening(t time.Time, loc *time.Location) (next time.Time, ok bool) {
	local := t.In(loc)
	for d := 0; d <= 7; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, loc)
		for _, r := range oh[weekdayName(day.Weekday())] {
			o, err := parseClock(r.Open)
			if err != nil {
				continue
			}
			at := time.Date(day.Year(), day.Month(), day.Day(), o/60, o%60, 0, 0, loc)
			if !at.Before(local) && (!ok || at.Before(next)) {
				next, ok = at, true
			}
		}
		if ok {
			return next, true
		}
	}
	return time.Time{}, false
}

// NextOpening returns when the store next opens after t, in its own time zone.
func (s *Store) NextOpening(t time.Time) (time.Time, bool) {
	loc, err := LoadTimezone(s.Timezone)
	if err != nil {
		return time.Time{}, false
	}
	return s.OperatingHours.NextOpening(t, loc)
}
