package traffic

import (
	"bytes"
	"log"
	"net"
	"strings"
	"testing"
)

func TestBinderSaysOnceWhatItCannotBind(t *testing.T) {
	var out bytes.Buffer
	b := newBinder(false, log.New(&out, "", 0).Printf)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := portOf(taken.Addr().String())
	for range 3 {
		if ln := b.listen("127.0.0.1", port); ln != nil {
			ln.Close()
			t.Fatal("bound a port in use")
		}
	}
	if n := strings.Count(out.String(), "cannot bind"); n != 1 {
		t.Errorf("%d notices for the same failure, want 1: %q", n, out.String())
	}
	if ln := newBinder(true, nil).listen("127.0.0.1", 0); ln != nil {
		ln.Close()
		t.Error("a binder that is off bound an address")
	}
}
