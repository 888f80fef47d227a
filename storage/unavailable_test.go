package storage_test

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

func TestIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"file gone", fmt.Errorf("save: %w", storage.ErrDatabaseFileGone), true},
		{"disk full", sqlite3.Error{Code: sqlite3.ErrFull}, true},
		{"read-only", fmt.Errorf("insert: %w", sqlite3.Error{Code: sqlite3.ErrReadonly}), true},
		{"i/o error", sqlite3.Error{Code: sqlite3.ErrIoErr}, true},
		{"busy", sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"postgres too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"connection lost", errors.New("unexpected EOF: conn closed"), true},
		{"nil", nil, false},
		{"not found", assessment.ErrNotFound, false},
		{"record not found", gorm.ErrRecordNotFound, false},
		{"constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"postgres syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"anything else", errors.New("boom"), false},
	} {
		if got := storage.IsUnavailable(c.err); got != c.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
