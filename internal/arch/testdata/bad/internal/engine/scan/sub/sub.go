package sub

import ()
