package storage

import (
	"errors"
	"fmt"
	"os"

	"gorm.io/gorm"
)

// ErrDatabaseFileGone: the SQLite file ecat opened is no longer at its path. SQLite keeps
// working on the open file even after it is deleted (rm ecat.db) or replaced, so without
// this check ecat would go on acknowledging writes that vanish at the next start. Writes
// are refused and /readyz answers 503 until the same file is back at the path (moved
// back, or the last link restored); a different file there needs a restart.
var ErrDatabaseFileGone = errors.New("storage: the SQLite database file was removed or replaced while in use; writes are refused until it is back (or ecat restarts)")

// sqliteFile is the identity of the SQLite file a Store opened.
type sqliteFile struct {
	path string
	info os.FileInfo
}

// check reports ErrDatabaseFileGone when the path no longer names the file opened.
func (f *sqliteFile) check() error {
	if f == nil {
		return nil
	}
	info, err := os.Stat(f.path)
	if err != nil || !os.SameFile(info, f.info) {
		return fmt.Errorf("%w (%s)", ErrDatabaseFileGone, f.path)
	}
	return nil
}

// watchSQLiteFile remembers which file path is and checks, before every write statement,
// that it is still there. A file that cannot be stat'ed (none on disk) is not watched.
func (s *Store) watchSQLiteFile(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return nil
	}
	s.file = &sqliteFile{path: path, info: info}
	guard := func(tx *gorm.DB) {
		if err := s.file.check(); err != nil {
			_ = tx.AddError(err)
		}
	}
	cb := s.db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("ecat:sqlite_file", guard),
		cb.Update().Before("gorm:update").Register("ecat:sqlite_file", guard),
		cb.Delete().Before("gorm:delete").Register("ecat:sqlite_file", guard),
		cb.Raw().Before("gorm:raw").Register("ecat:sqlite_file", guard),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
