/* cmd_segment.c - `matscreen segment`: CT grey stack -> binary membrane volume (spec §2(b)):
 * Gaussian filter (variance in voxels^2), porosity-matched threshold, optional crop and resize.
 */
#include "ms_commands.h"
#include "ms_h5.h"
#include "ms_image.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_tiff.h"
#include <string.h>
#include <strings.h>

const char ms_cmd_segment_help[] =
  "Segment an 8-bit CT stack: Gaussian filter (-variance, voxels^2), threshold chosen so the pore\n"
  "fraction equals -porosity (pore = 0, material = 1), then optional -crop and -resize.\n"
  "  matscreen segment -input scan.tif -variance 3 -porosity 0.846 -crop 0,0,0,200,200,200 -resize 128 -output ct.h5\n"
  "  matscreen segment -input scan.raw -shape 900,500,500 -porosity 0.85 -pore dark -output ct.h5\n"
  "Input: .tif/.tiff (multi-page 8-bit greyscale), .h5 (dataset -dataset) or raw bytes with -shape nx,ny,nz.\n";

static PetscBool has_suffix(const char *s, const char *suf)
{
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcasecmp(s + n - m, suf) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_cmd_segment(MPI_Comm comm)
{
  char      input[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "", dataset[256] = "volume";
  PetscInt  shape[3] = {0, 0, 0}, nshape = 3, crop[6] = {0, 0, 0, 0, 0, 0}, ncrop = 6, resize = 0, pore = MS_IMAGE_PORE_DARK;
  PetscReal variance = 3.0, porosity = -1;
  PetscBool help, has_in, has_out, has_shape, has_crop, has_por;
  static const char *const pore_names[] = {"dark", "bright"};

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen segment", "segment");
  PetscCall(PetscOptionsString("-input", "grey-level stack: .tif/.tiff, .h5, or raw bytes (needs -shape)", "segment", input, input, sizeof input, &has_in));
  PetscCall(PetscOptionsIntArray("-shape", "raw input: nx,ny,nz", "segment", shape, &nshape, &has_shape));
  PetscCall(PetscOptionsString("-dataset", "HDF5 input: dataset name", "segment", dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsReal("-variance", "Gaussian filter variance in voxels^2 (0 = no filter)", "segment", variance, &variance, NULL));
  PetscCall(PetscOptionsReal("-porosity", "target pore fraction in [0,1] (required)", "segment", porosity, &porosity, &has_por));
  PetscCall(PetscOptionsEList("-pore", "which phase is pore: dark or bright grey levels", "segment", pore_names, 2, pore_names[pore], &pore, NULL));
  PetscCall(PetscOptionsIntArray("-crop", "crop box x0,y0,z0,nx,ny,nz after segmentation", "segment", crop, &ncrop, &has_crop));
  PetscCall(PetscOptionsInt("-resize", "resize to n^3 after cropping (cubic, re-binarised at 0.5; 0 = off)", "segment", resize, &resize, NULL));
  PetscCall(PetscOptionsString("-output", "output HDF5 file (dataset /volume)", "segment", output, output, sizeof output, &has_out));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  if (!has_in) SETERRQ(comm, MS_ERR_USER, "missing required option -input (a .tif stack, .h5 volume or raw file with -shape)");
  if (!has_out) SETERRQ(comm, MS_ERR_USER, "missing required option -output FILE.h5");
  if (!has_por) SETERRQ(comm, MS_ERR_USER, "missing required option -porosity (the measured pore fraction to match)");
  if (!(porosity >= 0 && porosity <= 1)) SETERRQ(comm, MS_ERR_USER, "-porosity %g: expected a fraction in [0, 1]", (double)porosity);
  if (!(variance >= 0)) SETERRQ(comm, MS_ERR_USER, "-variance %g: expected >= 0 voxels^2", (double)variance);
  if (has_crop && ncrop != 6) SETERRQ(comm, MS_ERR_USER, "-crop needs 6 integers x0,y0,z0,nx,ny,nz (got %" PetscInt_FMT ")", ncrop);
  if (resize < 0) SETERRQ(comm, MS_ERR_USER, "-resize %" PetscInt_FMT ": expected n >= 0", resize);

  ms_volume grey, seg, tmp;
  double    t0 = MPI_Wtime(), thr, por;
  if (has_suffix(input, ".tif") || has_suffix(input, ".tiff")) {
    if (has_shape) SETERRQ(comm, MS_ERR_USER, "-shape is for raw input; '%s' is a TIFF stack whose shape is in the file", input);
    PetscCall(ms_tiff_read(comm, input, &grey));
  } else if (has_suffix(input, ".h5") || has_suffix(input, ".hdf5")) {
    PetscCall(ms_volume_load(comm, input, dataset, &grey));
  } else {
    if (!has_shape || nshape != 3) SETERRQ(comm, MS_ERR_USER, "raw input '%s' needs -shape nx,ny,nz", input);
    PetscCall(ms_volume_read_raw(comm, input, shape[0], shape[1], shape[2], &grey));
  }
  PetscCall(ms_image_segment(grey, variance, porosity, (ms_image_pore)pore, &seg, &thr, &por));
  PetscCall(ms_volume_set_meta(seg, "source", "%s", input));
  PetscCall(ms_volume_destroy(&grey));
  if (has_crop) {
    const int64_t st[3] = {crop[0], crop[1], crop[2]}, ct[3] = {crop[3], crop[4], crop[5]};
    PetscCall(ms_image_crop(seg, st, ct, &tmp));
    PetscCall(ms_volume_destroy(&seg));
    seg = tmp;
  }
  if (resize > 0) {
    const int64_t n3[3] = {resize, resize, resize};
    PetscCall(ms_image_resize(seg, n3, PETSC_TRUE, &tmp));
    PetscCall(ms_volume_destroy(&seg));
    seg = tmp;
  }
  double out_por;
  PetscCall(ms_volume_fraction(seg, 0, &out_por));
  PetscCall(ms_volume_set_meta(seg, "porosity", "%#.17g", out_por));
  PetscCall(ms_volume_set_meta(seg, "porosity_units", "1"));

  ms_h5_file f;
  PetscCall(ms_h5_create(comm, output, &f));
  PetscCall(ms_h5_add_input(f, input));
  PetscCall(ms_volume_write_h5(seg, f->fid, "volume"));
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_log(comm, "segment: %s -> threshold %.4f (pores %s), porosity %.4f (target %.4f); output %" PRId64 "x%" PRId64 "x%" PRId64
                   " porosity %.4f (%.3f s) -> %s\n", input, thr, pore_names[pore], por, (double)porosity, seg->nx, seg->ny, seg->nz, out_por,
                   MPI_Wtime() - t0, output));
  PetscCall(ms_volume_destroy(&seg));
  PetscFunctionReturn(0);
}
