// jffs2: not extracted yet. The chunk is identified and reported with an error so that the image's
// report says what was left unread.
#include "firmware/internal.h"

namespace kensa::firmware::detail {

FsRead read_jffs2(Bytes, Budget&) {
  FsRead r;
  r.error = "jffs2 extraction is not implemented yet";
  return r;
}

}  // namespace kensa::firmware::detail
