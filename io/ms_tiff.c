/* ms_tiff.c - multi-page 8-bit TIFF stacks with libtiff (see ms_tiff.h). libtiff reports
 * problems through handlers; ours (per TIFF handle, TIFFOpenExt) keeps the first message so
 * the PETSc error can quote it with the file and page.
 */
#include "ms_tiff.h"
#include "ms_error.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <tiffio.h>

typedef struct {
  char msg[512];
} tiff_msg;

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
  tiff_msg *m = user;
  (void)tif;
  if (m && !m->msg[0]) {
    int off = snprintf(m->msg, sizeof m->msg, "%s: ", module ? module : "libtiff");
    if (off > 0 && (size_t)off < sizeof m->msg) vsnprintf(m->msg + off, sizeof m->msg - (size_t)off, fmt, ap);
  }
  return 1; /* handled: libtiff prints nothing */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
  (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
  return 1; /* unknown tags and the like are not our concern */
}

static PetscErrorCode tiff_open(MPI_Comm comm, const char *path, const char *mode, tiff_msg *m, TIFF **tif)
{
  PetscFunctionBeginUser;
  m->msg[0]             = 0;
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
  if (!opts) SETERRQ(comm, PETSC_ERR_MEM, "libtiff could not allocate open options");
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, m);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, m);
  errno = 0;
  *tif  = TIFFOpenExt(path, mode, opts);
  TIFFOpenOptionsFree(opts);
  if (!*tif)
    SETERRQ(comm, MS_ERR_FILE, "cannot open TIFF file '%s' for %s: %s", path, mode[0] == 'r' ? "reading" : "writing",
            errno ? strerror(errno) : (m->msg[0] ? m->msg : "not a TIFF file"));
  if (mode[0] == 'r') PetscCall(ms_input_register(path));
  PetscFunctionReturn(0);
}

/* Check the current page; returns its size and whether it is MINISWHITE. */
static PetscErrorCode check_page(MPI_Comm comm, const char *path, TIFF *tif, int64_t page, uint32_t *w, uint32_t *h, PetscBool *invert)
{
  uint16_t bits = 0, spp = 0, photo = PHOTOMETRIC_MINISBLACK;
  PetscFunctionBeginUser;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, h))
    SETERRQ(comm, MS_ERR_READ, "TIFF '%s' page %" PRId64 ": no image width/height", path, page);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo);
  if (bits != 8 || spp != 1)
    SETERRQ(comm, MS_ERR_READ, "TIFF '%s' page %" PRId64 " has %u bit(s) x %u sample(s) per pixel: expected 8-bit greyscale (1 sample)", path, page,
            (unsigned)bits, (unsigned)spp);
  if (photo != PHOTOMETRIC_MINISBLACK && photo != PHOTOMETRIC_MINISWHITE)
    SETERRQ(comm, MS_ERR_READ, "TIFF '%s' page %" PRId64 " has photometric interpretation %u: expected greyscale (min-is-black or min-is-white)", path,
            page, (unsigned)photo);
  if (TIFFIsTiled(tif)) SETERRQ(comm, MS_ERR_READ, "TIFF '%s' page %" PRId64 " is tiled: only strip-organised pages are supported", path, page);
  *invert = photo == PHOTOMETRIC_MINISWHITE ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tiff_info(MPI_Comm comm, const char *path, int64_t *nx, int64_t *ny, int64_t *nz)
{
  TIFF     *tif;
  tiff_msg  m;
  uint32_t  w0 = 0, h0 = 0, w, h;
  PetscBool inv;
  int64_t   page = 0;

  PetscFunctionBeginUser;
  PetscCall(tiff_open(comm, path, "r", &m, &tif));
  do {
    PetscErrorCode ierr = check_page(comm, path, tif, page, &w, &h, &inv);
    if (ierr) { TIFFClose(tif); PetscCall(ierr); }
    if (page == 0) { w0 = w; h0 = h; }
    else if (w != w0 || h != h0) {
      TIFFClose(tif);
      SETERRQ(comm, MS_ERR_READ, "TIFF '%s' page %" PRId64 " is %ux%u but page 0 is %ux%u: all pages of a stack must have the same size", path, page,
              (unsigned)w, (unsigned)h, (unsigned)w0, (unsigned)h0);
    }
    page++;
  } while (TIFFReadDirectory(tif));
  TIFFClose(tif);
  if (m.msg[0]) SETERRQ(comm, MS_ERR_READ, "TIFF '%s' after page %" PRId64 ": %s", path, page - 1, m.msg);
  *nx = w0; *ny = h0; *nz = page;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tiff_read(MPI_Comm comm, const char *path, ms_volume *v)
{
  int64_t   nx, ny, nz;
  TIFF     *tif;
  tiff_msg  m;
  uint32_t  w, h;
  PetscBool inv;

  PetscFunctionBeginUser;
  PetscCall(ms_tiff_info(comm, path, &nx, &ny, &nz));
  PetscCall(ms_volume_create(comm, nx, ny, nz, v));
  PetscCall(tiff_open(PETSC_COMM_SELF, path, "r", &m, &tif));
  for (int64_t j = 0; j < (*v)->nz_local; j++) {
    const int64_t page = (*v)->z_start + j;
    /* Seek once, then step: TIFFSetDirectory walks the IFD chain from the first page. */
    if (!(j == 0 ? TIFFSetDirectory(tif, (tdir_t)page) : TIFFReadDirectory(tif))) {
      TIFFClose(tif);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "TIFF '%s': cannot select page %" PRId64 ": %s", path, page, m.msg);
    }
    PetscCall(check_page(PETSC_COMM_SELF, path, tif, page, &w, &h, &inv));
    for (uint32_t y = 0; y < h; y++) {
      uint8_t *row = (*v)->data + (j * ny + y) * nx;
      if (TIFFReadScanline(tif, row, y, 0) < 0) {
        TIFFClose(tif);
        SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "TIFF '%s' page %" PRId64 " row %u is unreadable: %s", path, page, (unsigned)y, m.msg);
      }
      if (inv)
        for (int64_t x = 0; x < nx; x++) row[x] = (uint8_t)(255 - row[x]);
    }
  }
  TIFFClose(tif);
  PetscCall(ms_volume_set_meta(*v, "source", "%s", path));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tiff_write(const char *path, int64_t nx, int64_t ny, int64_t nz, const uint8_t *data)
{
  TIFF    *tif;
  tiff_msg m;

  PetscFunctionBeginUser;
  if (nx < 1 || ny < 1 || nz < 1 || nx > UINT32_MAX || ny > UINT32_MAX)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "TIFF '%s': cannot write a %" PRId64 "x%" PRId64 "x%" PRId64 " stack", path, nx, ny, nz);
  PetscCall(tiff_open(PETSC_COMM_SELF, path, "w", &m, &tif));
  for (int64_t z = 0; z < nz; z++) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)nx);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)ny);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)(z < 65535 ? z : 65535), (uint16_t)(nz < 65535 ? nz : 65535));
    for (int64_t y = 0; y < ny; y++)
      if (TIFFWriteScanline(tif, (void *)(data + (z * ny + y) * nx), (uint32_t)y, 0) < 0) {
        TIFFClose(tif);
        SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "TIFF '%s': writing page %" PRId64 " row %" PRId64 " failed: %s", path, z, y, m.msg);
      }
    if (!TIFFWriteDirectory(tif)) {
      TIFFClose(tif);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "TIFF '%s': writing page %" PRId64 " failed: %s", path, z, m.msg);
    }
  }
  TIFFClose(tif);
  PetscFunctionReturn(0);
}
