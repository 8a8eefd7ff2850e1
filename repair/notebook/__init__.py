"""The reviewer notebook, a front end like the command line: the review session
(``session.py``: what a reviewer sees and does, without widgets) and its ipywidgets shell
(``ui.py``), opened in JupyterLab by ``notebooks/review.ipynb``."""
