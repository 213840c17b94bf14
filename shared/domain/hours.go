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

// MaxRangesPerDay bounds a day's opening ranges (lunch and dinner need two).
const MaxRangesPerDay = 6

// weekOrder lists the weekdays as errors report them: Monday first.
var weekOrder = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

const minutesPerDay = 24 * 60

// span is a valid opening range on the week's timeline: minutes after Monday 00:00, end
// exclusive and past the week's end for Sunday's overnight range.
type span struct {
	field    string // operatingHours.<day>[i]
	from, to int
	text     string // "11:00-15:00", "18:00-02:00 the next day"
}

// Validate checks weekday names and every range, and reports every field at fault (an
// EINVALID error, or nil): "operatingHours.<day>" for an unknown weekday or too many ranges,
// "operatingHours.<day>[i].open" and ".close" for a clock that is not HH:MM or a range that
// is empty, and "operatingHours.<day>[i]" for a range that overlaps an earlier one (days
// from Monday, ranges in their order). Ranges overlap when some minute is in both, across
// midnight too: an overnight range ("18:00"-"02:00" on Friday) overlaps a range of the next
// morning that opens before it closes ("00:00"-"03:00" on Saturday), and Sunday's overnight
// range reaches into Monday. Ranges that only touch ("11:00"-"15:00", "15:00"-"23:00") do not
// overlap.
func (oh OperatingHours) Validate() error {
	var p problems
	var unknown []string
	for d := range oh {
		if _, ok := weekdays[d]; !ok {
			unknown = append(unknown, d)
		}
	}
	sort.Strings(unknown)
	for _, d := range unknown {
		p.add("operatingHours."+d, "%q is not a weekday: use monday, tuesday, ..., sunday", clip(d))
	}
	var spans []span
	for di, day := range weekOrder {
		ranges := oh[day]
		if len(ranges) > MaxRangesPerDay {
			p.add("operatingHours."+day, "at most %d opening ranges a day, got %d", MaxRangesPerDay, len(ranges))
			continue
		}
		for i, r := range ranges {
			field := fmt.Sprintf("operatingHours.%s[%d]", day, i)
			o, errOpen := parseClock(r.Open)
			if errOpen != nil {
				p.add(field+".open", "%v", errOpen)
			} else if o == minutesPerDay {
				p.add(field+".open", "%q ends a day: a range cannot open at it (use 00:00 of the next day)", r.Open)
			}
			c, errClose := parseClock(r.Close)
			if errClose != nil {
				p.add(field+".close", "%v", errClose)
			}
			if errOpen != nil || errClose != nil || o == minutesPerDay {
				continue
			}
			if o == c {
				p.add(field+".close", "equals open (%s): the range is empty", r.Open)
				continue
			}
			sp := span{field: field, from: di*minutesPerDay + o, to: di*minutesPerDay + c, text: r.Open + "-" + r.Close}
			if c < o {
				sp.to += minutesPerDay
				if c > 0 {
					sp.text += " the next day"
				}
			}
			for _, e := range spans {
				if overlap(sp, e) {
					p.add(field, "%s overlaps %s (%s)", sp.text, e.field, e.text)
					break
				}
			}
			spans = append(spans, sp)
		}
	}
	return p.err()
}

// overlap reports whether two ranges of the week share a minute; Sunday's overnight range
// continues on Monday.
func overlap(a, b span) bool {
	const week = 7 * minutesPerDay
	for _, shift := range []int{0, week, -week} {
		if a.from+shift < b.to && b.from < a.to+shift {
			return true
		}
	}
	return false
}

// hasRanges reports whether any weekday has an opening range.
func (oh OperatingHours) hasRanges() bool {
	for _, d := range weekOrder {
		if len(oh[d]) > 0 {
			return true
		}
	}
	return false
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
