"""LSST's astronomical data model on numpy and astropy: images, exposures, PSFs, catalogs, backgrounds."""
