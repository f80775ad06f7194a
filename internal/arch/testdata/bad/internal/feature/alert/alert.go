package alert

import (
	_ "github.com/khien-project/khien/internal/feature/alert/rules"
	_ "github.com/khien-project/khien/internal/feature/trust"
	_ "github.com/khien-project/khien/internal/platform/store"
	_ "github.com/khien-project/khien/internal/web"
)

const (
	raise   = `INSERT INTO alerts (kind) VALUES ($1)`
	suspend = `UPDATE labels SET state = 'suspended' WHERE id = $1`
)
