package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// ErrBackupPostgres: ecat does not copy PostgreSQL databases; pg_dump does that best.
var ErrBackupPostgres = errors.New("ecat backup copies SQLite databases; for PostgreSQL use pg_dump (for example: pg_dump --format=custom --file=ecat.dump \"$ECAT_DB\")")

// Backup writes a consistent copy of a SQLite database to path while the server keeps
// running: VACUUM INTO reads one snapshot of the database (WAL included) and writes a
// compact, self-contained file. The path must not exist yet. Restoring is copying the
// file back (server stopped) or starting ecat with --db pointing at it.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("storage: %s exists already; choose a new file name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := s.db.WithContext(ctx).Exec(`VACUUM INTO ?`, path).Error; err != nil {
		return fmt.Errorf("storage: backup to %s: %w", path, err)
	}
	return nil
}
