package trust

import (
	_ "github.com/khien-project/khien/internal/platform/store"
)

const grant = `UPDATE labels SET state = 'granted' WHERE id = $1`
