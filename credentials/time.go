package credentials

import (
	"errors"
	"time"
)

// ParseDateTime parses an XML Schema 1.1 dateTime as the VC Data Model uses
// it: [-]YYYY-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm]. With requireZone (VC 2.0's
// dateTimeStamp) the time zone is mandatory; without it (VC 1.1's dateTime)
// a value with no zone is read as UTC. Years of more than four digits,
// negative years and 24:00:00 (the end of the day) are accepted as the
// schema allows; zone offsets are limited to ±14:00.
func ParseDateTime(s string, requireZone bool) (time.Time, error) {
	p := 0
	num := func(n int) (int, bool) {
		if p+n > len(s) {
			return 0, false
		}
		v := 0
		for i := range n {
			c := s[p+i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		p += n
		return v, true
	}
	lit := func(c byte) bool {
		if p < len(s) && s[p] == c {
			p++
			return true
		}
		return false
	}
	errSyntax := errors.New("not an XML Schema dateTime (YYYY-MM-DDThh:mm:ss[.s][Z|±hh:mm])")

	neg := lit('-')
	// Year: four digits, or more without a leading zero.
	ys := p
	for p < len(s) && s[p] >= '0' && s[p] <= '9' {
		p++
	}
	if n := p - ys; n < 4 || n > 4 && s[ys] == '0' || n > 9 {
		return time.Time{}, errSyntax
	}
	year := 0
	for _, c := range s[ys:p] {
		year = year*10 + int(c-'0')
	}
	if neg {
		year = -year
	}
	var month, day, hour, minute, sec int
	var ok bool
	if !lit('-') {
		return time.Time{}, errSyntax
	}
	if month, ok = num(2); !ok || !lit('-') {
		return time.Time{}, errSyntax
	}
	if day, ok = num(2); !ok || !lit('T') {
		return time.Time{}, errSyntax
	}
	if hour, ok = num(2); !ok || !lit(':') {
		return time.Time{}, errSyntax
	}
	if minute, ok = num(2); !ok || !lit(':') {
		return time.Time{}, errSyntax
	}
	if sec, ok = num(2); !ok {
		return time.Time{}, errSyntax
	}
	nsec, digits, fraction := 0, 0, false
	if lit('.') {
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[p]-'0')
			}
			fraction = fraction || s[p] != '0'
			digits++
			p++
		}
		if digits == 0 {
			return time.Time{}, errSyntax
		}
		for i := digits; i < 9; i++ {
			nsec *= 10
		}
	}
	loc := time.UTC
	switch {
	case lit('Z'):
	case p < len(s) && (s[p] == '+' || s[p] == '-'):
		sign := 1
		if s[p] == '-' {
			sign = -1
		}
		p++
		zh, ok1 := num(2)
		ok2 := lit(':')
		zm, ok3 := num(2)
		if !ok1 || !ok2 || !ok3 || zm > 59 || zh > 14 || zh == 14 && zm != 0 {
			return time.Time{}, errors.New("time zone offset out of range (±14:00)")
		}
		loc = time.FixedZone("", sign*(zh*3600+zm*60))
	default:
		if requireZone {
			return time.Time{}, errors.New("time zone missing: a dateTimeStamp needs Z or ±hh:mm")
		}
	}
	if p != len(s) {
		return time.Time{}, errSyntax
	}
	switch {
	case month < 1 || month > 12:
		return time.Time{}, errors.New("month out of range")
	case day < 1 || day > daysIn(year, month):
		return time.Time{}, errors.New("day out of range")
	case hour == 24 && (minute != 0 || sec != 0 || fraction):
		return time.Time{}, errors.New("hour 24 is only allowed as 24:00:00")
	case hour > 24 || minute > 59 || sec > 59:
		return time.Time{}, errors.New("time out of range")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
