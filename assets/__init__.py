"""The dashboard's Dash assets (CSS, map.js), served by Dash from this folder. A package only so
that `pip install .` ships it beside the code (dashboard/app.py finds it through `assets.__file__`)."""
