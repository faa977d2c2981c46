package sandbox

import (
	"reflect"
	"testing"
)

// Every struct World embeds is a unit (a service that forgot its routes
// would be dead weight in the state file), and a fresh world has every
// unit's collections made.
func TestEveryEmbeddedPartOfTheWorldIsAUnit(t *testing.T) {
	w := newWorld(10, builtinCatalog)
	v := reflect.ValueOf(w).Elem()
	embedded := 0
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.Anonymous {
			continue
		}
		embedded++
		if _, ok := v.Field(i).Addr().Interface().(unit); !ok {
			t.Errorf("World embeds %s, which is no unit: give it routes(*Server)", f.Name)
		}
		for j := range f.Type.NumField() {
			if c := v.Field(i).Field(j); c.Kind() == reflect.Map && c.IsNil() {
				t.Errorf("%s.%s is nil in a new world: make it in ensure()", f.Name, f.Type.Field(j).Name)
			}
		}
	}
	if n := len(w.units()); n != embedded || n < 13 {
		t.Errorf("%d units found, %d embedded", n, embedded)
	}
}
