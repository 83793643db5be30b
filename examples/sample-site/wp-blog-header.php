<?php
// Sample file of the bundled quick-start site.
echo "Hello from the sample blog";
