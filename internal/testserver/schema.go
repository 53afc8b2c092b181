package testserver

import (
	"fmt"
	"sort"
	"strings"
)

// fieldType is the type of a property as the filter language sees it.
type fieldType int

const (
	fString fieldType = iota
	fGUID
	fDate
	fBool
	fNumber // numbers and enums (availabilityStatus)
	fObject
	fArray
)

type field struct {
	typ fieldType
	sub schema // fObject, fArray: the element's properties
}

// schema maps lower-case property names to their types; it is what makes
// `nosuchproperty eq 1` a 400, as on a real server.
type schema map[string]field

func str() field             { return field{typ: fString} }
func guid() field            { return field{typ: fGUID} }
func date() field            { return field{typ: fDate} }
func boolean() field         { return field{typ: fBool} }
func number() field          { return field{typ: fNumber} }
func object(s schema) field  { return field{typ: fObject, sub: s} }
func arrayOf(s schema) field { return field{typ: fArray, sub: s} }

// entity returns the properties every QRS entity has, plus more.
func entity(more schema) schema {
	s := schema{
		"id":                 guid(),
		"createddate":        date(),
		"modifieddate":       date(),
		"modifiedbyusername": str(),
	}
	for k, v := range more {
		s[k] = v
	}
	return s
}

var (
	ownerSchema = schema{
		"id":                         guid(),
		"userid":                     str(),
		"userdirectory":              str(),
		"userdirectoryconnectorname": str(),
		"name":                       str(),
	}
	tagSchema            = schema{"id": guid(), "name": str()}
	streamCondensedShema = schema{"id": guid(), "name": str()}
	customPropertySchema = entity(schema{
		"value": str(),
		"definition": object(schema{
			"id": guid(), "name": str(), "valuetype": str(),
		}),
	})
	appCondensedSchema = schema{
		"id":                    guid(),
		"name":                  str(),
		"appid":                 str(),
		"publishtime":           date(),
		"published":             boolean(),
		"stream":                object(streamCondensedShema),
		"savedinproductversion": str(),
		"migrationhash":         str(),
		"availabilitystatus":    number(),
	}
	taskCondensedSchema = schema{
		"id":                 guid(),
		"name":               str(),
		"tasktype":           number(),
		"enabled":            boolean(),
		"tasksessiontimeout": number(),
		"maxretries":         number(),
		"operational":        object(schema{"id": guid()}),
	}
	schemas = [numKinds]schema{
		KindApp: entity(schema{
			"name":                  str(),
			"appid":                 str(),
			"description":           str(),
			"publishtime":           date(),
			"published":             boolean(),
			"stream":                object(streamCondensedShema),
			"owner":                 object(ownerSchema),
			"tags":                  arrayOf(tagSchema),
			"customproperties":      arrayOf(customPropertySchema),
			"filesize":              number(),
			"lastreloadtime":        date(),
			"thumbnail":             str(),
			"savedinproductversion": str(),
			"migrationhash":         str(),
			"dynamiccolor":          str(),
			"availabilitystatus":    number(),
			"sourceappid":           guid(),
			"targetappid":           guid(),
			"lastdatadistribution":  date(),
			"staticbytesize":        number(),
		}),
		KindAppObject: entity(schema{
			"name":             str(),
			"description":      str(),
			"objecttype":       str(),
			"engineobjectid":   str(),
			"engineobjecttype": str(),
			"app":              object(appCondensedSchema),
			"owner":            object(ownerSchema),
			"published":        boolean(),
			"approved":         boolean(),
			"publishtime":      date(),
			"contenthash":      str(),
			"attributes":       str(),
			"size":             number(),
			"tags":             arrayOf(tagSchema),
			"sourceobject":     str(),
			"draftobject":      str(),
			"appobjectblobid":  guid(),
		}),
		KindUser: entity(schema{
			"userid":                     str(),
			"userdirectory":              str(),
			"userdirectoryconnectorname": str(),
			"name":                       str(),
			"inactive":                   boolean(),
			"removedexternally":          boolean(),
			"blacklisted":                boolean(),
			"deleteprohibited":           boolean(),
			"tags":                       arrayOf(tagSchema),
			"customproperties":           arrayOf(customPropertySchema),
			"attributes": arrayOf(entity(schema{
				"attributetype":  str(),
				"attributevalue": str(),
				"externalid":     str(),
			})),
		}),
		KindStream: entity(schema{
			"name":             str(),
			"owner":            object(ownerSchema),
			"tags":             arrayOf(tagSchema),
			"customproperties": arrayOf(customPropertySchema),
		}),
		KindDataConnection: entity(schema{
			"name":             str(),
			"connectionstring": str(),
			"type":             str(),
			"engineobjectid":   str(),
			"username":         str(),
			"password":         str(),
			"logon":            number(),
			"architecture":     number(),
			"owner":            object(ownerSchema),
			"tags":             arrayOf(tagSchema),
			"customproperties": arrayOf(customPropertySchema),
		}),
		KindReloadTask: entity(schema{
			"name":                str(),
			"tasktype":            number(),
			"enabled":             boolean(),
			"tasksessiontimeout":  number(),
			"maxretries":          number(),
			"ismanuallytriggered": boolean(),
			"ispartialreload":     boolean(),
			"app":                 object(appCondensedSchema),
			"tags":                arrayOf(tagSchema),
			"customproperties":    arrayOf(customPropertySchema),
			"operational": object(schema{
				"id":            guid(),
				"nextexecution": date(),
				"lastexecutionresult": object(schema{
					"id":                 guid(),
					"executingnodename":  str(),
					"status":             number(),
					"starttime":          date(),
					"stoptime":           date(),
					"duration":           number(),
					"filereferenceid":    guid(),
					"scriptlogavailable": boolean(),
					"scriptloglocation":  str(),
					"scriptlogsize":      number(),
					"details": arrayOf(schema{
						"id":                guid(),
						"detailstype":       number(),
						"message":           str(),
						"detailcreateddate": date(),
					}),
				}),
			}),
		}),
		KindSchemaEvent: entity(schema{
			"name":                 str(),
			"enabled":              boolean(),
			"eventtype":            number(),
			"timezone":             str(),
			"daylightsavingtime":   number(),
			"startdate":            date(),
			"expirationdate":       date(),
			"incrementdescription": str(),
			"incrementoption":      number(),
			"operational": object(entity(schema{
				"lasteventdate":  date(),
				"nextexecution":  date(),
				"timestriggered": number(),
			})),
			"reloadtask":          object(taskCondensedSchema),
			"externalprogramtask": object(taskCondensedSchema),
			"usersynctask":        object(taskCondensedSchema),
		}),
		KindCompositeEvent: entity(schema{
			"name":      str(),
			"enabled":   boolean(),
			"eventtype": number(),
			"timeconstraint": object(entity(schema{
				"days": number(), "hours": number(), "minutes": number(), "seconds": number(),
			})),
			"compositerules": arrayOf(entity(schema{
				"rulestate":           number(),
				"reloadtask":          object(taskCondensedSchema),
				"externalprogramtask": object(taskCondensedSchema),
				"usersynctask":        object(taskCondensedSchema),
			})),
			"operational": object(entity(schema{
				"timestriggered": number(),
			})),
			"reloadtask":          object(taskCondensedSchema),
			"externalprogramtask": object(taskCondensedSchema),
			"usersynctask":        object(taskCondensedSchema),
		}),
	}
)

// lookupPath returns the type of a lower-cased property path in s.
func (s schema) lookupPath(path []string) (field, bool) {
	cur := s
	var f field
	for i, name := range path {
		var ok bool
		f, ok = cur[name]
		if !ok {
			return field{}, false
		}
		if i < len(path)-1 {
			if f.typ != fObject && f.typ != fArray {
				return field{}, false
			}
			cur = f.sub
		}
	}
	return f, true
}

// checkFilter type-checks a parsed filter against the entity type k, the
// way the repository refuses a filter it cannot translate: an unknown
// property, an operator the property's type does not have (QRS.md: eq ne for
// all types, gt ge lt le for numbers, enums and dates, sw ew so for strings),
// or a value of the wrong type. The error wraps ErrParse.
func checkFilter(e *Expr, k Kind) error {
	switch e.Kind {
	case ExprAnd, ExprOr:
		for _, c := range e.Children {
			if err := checkFilter(c, k); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := schemas[k].lookupPath(e.Path)
	if !ok {
		return fmt.Errorf("%w: %s has no property %q", ErrParse, k, e.Property)
	}
	bad := func() error {
		return fmt.Errorf("%w: %s %s %s: operator or value does not fit the property's type", ErrParse, e.Property, e.Op, e.Val.describe())
	}
	equality := e.Op == OpEq || e.Op == OpNe
	ordering := equality || e.Op == OpGt || e.Op == OpGe || e.Op == OpLt || e.Op == OpLe
	if e.Val.Kind == LitNull {
		if !equality {
			return bad()
		}
		return nil
	}
	switch f.typ {
	case fString:
		if e.Val.Kind != LitString || !(equality || e.Op == OpSw || e.Op == OpEw || e.Op == OpSo) {
			return bad()
		}
	case fGUID:
		// Bare GUIDs are the documented form; a quoted GUID is tolerated
		// (unverified either way).
		okVal := e.Val.Kind == LitGUID || e.Val.Kind == LitString && IsGUID(e.Val.Str)
		if !okVal || !equality {
			return bad()
		}
	case fDate:
		if e.Val.Kind != LitString || !e.Val.isTime || !ordering {
			return bad()
		}
	case fBool:
		if e.Val.Kind != LitBool || !equality {
			return bad()
		}
	case fNumber:
		if e.Val.Kind != LitNumber || !ordering {
			return bad()
		}
	default: // objects and arrays compare with null only
		return bad()
	}
	return nil
}

func (l Literal) describe() string {
	var b strings.Builder
	l.write(&b)
	return b.String()
}

// sortKey is one term of an orderby parameter.
type sortKey struct {
	path []string
	desc bool
}

// parseOrderBy parses `name asc`, `name desc`, `name` or a comma-separated
// list of such terms, checked against the entity type k. The error wraps
// ErrParse.
func parseOrderBy(s string, k Kind) ([]sortKey, error) {
	var keys []sortKey
	for _, term := range strings.Split(s, ",") {
		words := strings.Fields(term)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("%w: bad orderby term %q", ErrParse, term)
		}
		path, ok := parsePropertyPath(words[0])
		if !ok {
			return nil, fmt.Errorf("%w: bad orderby property %q", ErrParse, words[0])
		}
		f, ok := schemas[k].lookupPath(path)
		if !ok || f.typ == fObject || f.typ == fArray {
			return nil, fmt.Errorf("%w: cannot order %s by %q", ErrParse, k, words[0])
		}
		key := sortKey{path: path}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				key.desc = true
			default:
				return nil, fmt.Errorf("%w: bad orderby direction %q", ErrParse, words[1])
			}
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// firstValue returns the first value found at path in obj (nil if none).
func firstValue(obj any, path []string) any {
	var found any
	walk(obj, path, func(v any) bool { found = v; return true })
	return found
}

// compareValues orders two property values as the repository's database
// does: nulls first, strings case-insensitively (dates by time), numbers by
// value, false before true.
func compareValues(a, b any) int {
	an, bn := a == nil, b == nil
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	if as, ok := a.(string); ok {
		bs, ok := b.(string)
		if !ok {
			return 0
		}
		if at, ok := parseTime(as); ok {
			if bt, ok := parseTime(bs); ok {
				return at.Compare(bt)
			}
		}
		return strings.Compare(strings.ToLower(as), strings.ToLower(bs))
	}
	if ab, ok := a.(bool); ok {
		bb, _ := b.(bool)
		switch {
		case ab == bb:
			return 0
		case !ab:
			return -1
		}
		return 1
	}
	af, aok := toFloat(a)
	bf, bok := toFloat(b)
	if aok && bok {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case interface{ Float64() (float64, error) }:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// Constraint reports the finite set of values that the property at path
// (dotted, any case, e.g. "app.id") must equal for e to be true: the string
// and GUID values of `path eq value` terms, intersected through and,
// united through or. ok is false when e does not confine path to such a
// set. Site implementations use it to skip items that cannot match; the
// server still applies the whole filter to every item a Site yields. The
// values are returned lower-cased and sorted, without duplicates.
func (e *Expr) Constraint(path string) (values []string, ok bool) {
	p, valid := parsePropertyPath(path)
	if !valid {
		return nil, false
	}
	set, ok := e.constraint(p)
	if !ok {
		return nil, false
	}
	values = make([]string, 0, len(set))
	for v := range set {
		values = append(values, v)
	}
	sort.Strings(values)
	return values, true
}

func (e *Expr) constraint(path []string) (map[string]struct{}, bool) {
	switch e.Kind {
	case ExprCmp:
		if e.Op != OpEq || (e.Val.Kind != LitString && e.Val.Kind != LitGUID) || !samePath(e.Path, path) {
			return nil, false
		}
		return map[string]struct{}{strings.ToLower(e.Val.Str): {}}, true
	case ExprOr:
		union := map[string]struct{}{}
		for _, c := range e.Children {
			set, ok := c.constraint(path)
			if !ok {
				return nil, false
			}
			for v := range set {
				union[v] = struct{}{}
			}
		}
		return union, true
	case ExprAnd:
		var inter map[string]struct{}
		for _, c := range e.Children {
			set, ok := c.constraint(path)
			if !ok {
				continue
			}
			if inter == nil {
				inter = set
				continue
			}
			for v := range inter {
				if _, keep := set[v]; !keep {
					delete(inter, v)
				}
			}
		}
		return inter, inter != nil
	}
	return nil, false
}

func samePath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
