// Package mat5 reads MATLAB level-5 MAT-files (the format of `save -v6`
// and `-v7`, and of scipy.io.savemat): numeric, char, cell and struct
// arrays, uncompressed or in zlib-compressed (miCOMPRESSED) elements, in
// either byte order.
//
// Data comes from a .mat file on disk (SVHN's train_32x32.mat, ImageNet's
// devkit meta.mat) and goes to the dataset readers as [Var] values. Files
// saved with -v7.3 are HDF5 containers and are rejected with an error that
// says how to convert them; level-4 files are rejected too.
package mat5
