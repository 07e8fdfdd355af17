"""Loads one layer of a GeoPackage in PyQGIS as QGIS Desktop would (its
default style from layer_styles), reports what the style set, renders the
layer without labels to a PNG and samples each feature's colour at its pole
of inaccessibility. Prints one JSON document; run by tests/qgis.rs with
Debian's python3 and QT_QPA_PLATFORM=offscreen.

    render_layer.py STORE.gpkg TABLE OUT.png [labels]

With `labels` the PNG keeps the style's labels (the README's figure).
"""
import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

BACKGROUND = "#f2efe9"


def value(feature, names, name):
    return feature[name] if name in names else None


def main(path, table, png, labels=None):
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
    if not layer.isValid():
        print(json.dumps({"error": f"{table} is not a valid layer"}))
        return 1
    renderer = layer.renderer()
    out = {
        "renderer": renderer.type(),
        "labels": layer.labelsEnabled(),
        "aliases": {f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())},
        "features": layer.featureCount(),
        "style_names": layer.styleManager().styles(),
    }
    if renderer.type() == "RuleRenderer":
        out["rules"] = [r.label() for r in renderer.rootRule().children()]
    if layer.labelsEnabled():
        out["label_expression"] = layer.labeling().settings().fieldName
    layer.setLabelsEnabled(labels == "labels")
    extent = layer.extent()
    extent.scale(1.05)
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setBackgroundColor(QColor(BACKGROUND))
    settings.setOutputSize(QSize(1600, 1600))
    settings.setOutputDpi(96)
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png)
    m2p = settings.mapToPixel()
    samples = []
    names = [f.name() for f in layer.fields()]
    polygons = layer.geometryType() == QgsWkbTypes.PolygonGeometry
    for feature in layer.getFeatures() if polygons else []:
        pole, distance = feature.geometry().poleOfInaccessibility(1e-6)
        point = m2p.transform(pole.asPoint())
        x, y = int(round(point.x())), int(round(point.y()))
        c = QColor(image.pixel(x, y))
        samples.append(
            {
                "code": value(feature, names, "code"),
                "households": value(feature, names, "households"),
                "population": value(feature, names, "population"),
                "dedicated": value(feature, names, "dedicated") or "",
                # Pixels from the sample point to the nearest edge.
                "margin_px": distance / m2p.mapUnitsPerPixel(),
                "rgb": [c.red(), c.green(), c.blue()],
            }
        )
    out["samples"] = samples
    # NULL attributes arrive as QVariant; they are null in JSON.
    print(json.dumps(out, ensure_ascii=False, default=lambda _: None))
    sys.stdout.flush()
    # PyQGIS 3.22 may crash tearing down its layers at exit; the work is
    # done and printed, so leave without the teardown.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
