"""Vocabulary of the demo generator's own grocery catalogue (pure data, no code).

Everything here is invented for Cartwise: department and aisle names follow the generic grocery
categories Instacart uses (so that ``--catalog`` data and the own catalogue share prices, demand and
complements by aisle name), but every item, variant and brand below is our own; no part of the
Instacart catalogue is copied.

How :mod:`cartwise.data.generate` reads it:

* :data:`AISLES` maps an aisle name to its spec:

  - ``department``: one of :data:`DEPARTMENTS`;
  - ``catalog``: relative number of products the aisle gets in a large catalogue (shelf width);
  - ``demand``: relative share of basket lines the aisle draws (roughly percent of all lines);
  - ``price``: ``(low, high)`` unit price range in dollars; prices within the aisle are log-normal
    between the two and clipped to them;
  - ``brands``: key of :data:`BRANDS`;
  - ``groups``: product lines, each ``(items, modifiers, flavours, suffixes)``, every field a
    ``"|"``-separated list (possibly empty). A product name is
    ``[brand] [modifier] [flavour] item [suffix]``; items are listed most common first, so the
    first item of each aisle is its everyday staple ("Banana", "Whole Milk", ...).

* :data:`PRICE_MULTIPLIERS` scale the price of names carrying a word (organic, family size, ...).
* :data:`COMPLEMENTS` are aisle pairs bought together (pasta with pasta sauce).
* :data:`PERSONA_ARCHETYPES` are shopper taste profiles: population share, department and aisle
  preference multipliers (1 = neutral).
* :data:`STAPLE_KEYWORDS` mark everyday items in a foreign catalogue (``--catalog``).
"""

from __future__ import annotations

DEPARTMENTS: tuple[str, ...] = (
    "produce",
    "dairy eggs",
    "snacks",
    "beverages",
    "frozen",
    "pantry",
    "bakery",
    "canned goods",
    "deli",
    "dry goods pasta",
    "breakfast",
    "meat seafood",
    "household",
    "personal care",
    "babies",
    "international",
    "alcohol",
    "pets",
    "bulk",
    "other",
)

#: Fallback unit price range (dollars) per department, for aisles not in :data:`AISLES`.
DEPARTMENT_PRICES: dict[str, tuple[float, float]] = {
    "produce": (0.49, 5.99),
    "dairy eggs": (0.99, 8.99),
    "snacks": (0.99, 6.99),
    "beverages": (0.99, 9.99),
    "frozen": (1.99, 9.99),
    "pantry": (1.49, 9.99),
    "bakery": (1.99, 7.99),
    "canned goods": (0.79, 5.99),
    "deli": (2.49, 11.99),
    "dry goods pasta": (0.99, 5.99),
    "breakfast": (1.99, 7.99),
    "meat seafood": (3.99, 19.99),
    "household": (1.99, 19.99),
    "personal care": (1.99, 19.99),
    "babies": (2.99, 24.99),
    "international": (0.99, 7.99),
    "alcohol": (5.99, 29.99),
    "pets": (0.99, 24.99),
    "bulk": (1.99, 9.99),
    "other": (1.99, 14.99),
    "missing": (0.99, 9.99),
}

#: Invented brand names, by family.
BRANDS: dict[str, str] = {
    "farm": "Sunny Hollow Farms|Green Acre|Valley Harvest|Old Orchard Lane|Riverbend Growers"
    "|Hilltop Fields|Morning Dew Farms|Cedar Creek",
    "dairy": "Meadowbrook|Clover Ridge|Northfield Dairy|Happy Pasture|Silver Pail|Bluebell Creamery"
    "|Two Cows|Alpine Valley",
    "snack": "Crunchwell|Happy Munch|Golden Crisp|Trailside|Nibbler's|Sweet Harbor|Oak & Acorn"
    "|Big Bite|Little Crumb",
    "beverage": "Clearspring|Fizzwell|Sunpress|Mountain Brew"
    "|Leaf & Kettle|Peak Hydration|Citrus Grove"
    "|Bold Bean",
    "frozen": "Frostline|Polar Pantry|Home Oven|Snowcap|Chill Kitchen|Ice Harbor|Nordic Table",
    "pantry": "Harvest Table|Kitchen Garden|Pantry Pride|Golden Spoon|Heritage Mill|Olive Branch"
    "|Salt & Stone|Good Larder",
    "bakery": "Stone Hearth|Rise & Shine Bakery|Golden Loaf|Village Baker|Crumb & Co",
    "canned": "Harvest Table|Pantry Pride|Kettle Creek|Sea Breeze|Garden Patch|Good Larder",
    "deli": "Corner Deli|Butcher's Block|Market Kitchen|Fresh Table|Green Fork",
    "pasta": "Casa Rossa|Nonna's Kitchen|Golden Wheat|Bella Tavola|Harvest Table",
    "breakfast": "Sunrise Mill|Morning Glory|Oat Valley|Golden Spoon|Happy Munch",
    "meat": "Butcher's Block|Prairie Ranch|Hillside Farms|Golden Plains|Smokehouse Lane",
    "seafood": "Sea Breeze|Coastal Catch|Blue Harbor|North Shore Fisheries",
    "household": "Sparkle House|Fresh Nest|CleanWave|Evergreen Home|Tidy Co|Homestead",
    "personal": "Pure Leaf Care|Daily Glow|Fresh Petal|Body Basics|Vital Path|Gentle Earth",
    "baby": "Little Sprout|Tiny Steps|Baby Bloom|Cuddle Cloud|First Bites",
    "asian": "Lotus Garden|Golden Dragon|Jade Harbor|Sakura Table|Bamboo Lane",
    "latino": "Casa Sol|Tierra Linda|La Cosecha|Sol de Manana|El Molino Viejo",
    "indian": "Spice Route|Little Bombay|Masala House|Saffron Road Kitchen",
    "kosher": "Shalom Kitchen|Heritage Mill|Old Country Bakery",
    "brewery": "Copper Kettle Brewing|Harbor Lights Brewing|Red Barn Cider|Tall Pines Brewing"
    "|Foggy Bay Brewing",
    "winery": "Hillcrest Vineyards|Stone Creek Cellars|Sunvale Estate|Willow Bend Winery"
    "|Golden Slope Vineyards",
    "distillery": "Silver Fox Distillery|Old Mill Distilling|Copper Still|Black Ridge Spirits",
    "pet": "Happy Tails|Whisker Wonders|Pawsome|Good Boy Kitchen|Purrfect Bowl",
    "bulk": "Bulk Barn Basics|Harvest Table|Heritage Mill",
    "store": "Cartwise Basics|Everyday Value|Good Larder",
}

# Shorthand for the common modifier lists below.
_O = "Organic"

AISLES: dict[str, dict[str, object]] = {
    # ------------------------------------------------------------------------- produce
    "fresh fruits": {
        "department": "produce", "catalog": 380, "demand": 11.0, "price": (0.29, 6.99),
        "brands": "farm",
        "groups": (
            ("Banana|Strawberries|Hass Avocado|Lemon|Lime|Blueberries|Raspberries|Honeycrisp Apple"
             "|Gala Apple|Red Seedless Grapes|Navel Orange|Clementines|Blackberries|Bartlett Pear"
             "|Fuji Apple|Granny Smith Apple|Green Seedless Grapes|Cantaloupe|Pineapple|Mango"
             "|Seedless Watermelon|Kiwi|Peach|Nectarine|Plum"
             "|Red Grapefruit|Honeydew Melon|Pink Lady Apple"
             "|Cherries|Cara Cara Orange|Mandarins|Bosc Pear|Papaya|Pomegranate|Apricot|Figs"
             "|Dragon Fruit|Passion Fruit|Coconut|Persimmon"
             "|Plantain|Blood Orange|Star Fruit|Kumquats",
             f"{_O}|Large|Small|Ripe|Extra Large",
             "",
             "Bag|1 lb|2 lb Bag|3 lb Bag|Family Pack|Clamshell|Value Pack"),
        ),
    },
    "fresh vegetables": {
        "department": "produce", "catalog": 570, "demand": 10.5, "price": (0.49, 5.99),
        "brands": "farm",
        "groups": (
            ("Yellow Onion|Cucumber|Garlic|Roma Tomato|Broccoli Crown|Carrots|Red Bell Pepper"
             "|Zucchini|Jalapeno Pepper|Russet Potato|Celery|Red Onion|Sweet Potato|Asparagus"
             "|Green Bell Pepper|Cauliflower|Romaine Hearts|Kale|Green Beans|Yellow Squash"
             "|Iceberg Lettuce|Green Onions|Ginger Root"
             "|Brussels Sprouts|Red Potato|Yukon Gold Potato"
             "|Eggplant|Shallot|Beets|Leek|Butternut Squash|Corn on the Cob|Cabbage|Red Cabbage"
             "|Portobello Mushroom|White Mushrooms|Cremini Mushrooms|Artichoke|Fennel Bulb|Radishes"
             "|Parsnips|Bok Choy|Serrano Pepper|Poblano Pepper|Spaghetti Squash|Acorn Squash"
             "|Turnip|Okra|Snow Peas|Sugar Snap Peas|Swiss Chard|Collard Greens|Tomatillo|Jicama",
             f"{_O}|Baby|Large|Mini|Local",
             "",
             "1 lb|2 lb Bag|3 lb Bag|5 lb Bag|Bunch|Family Pack|Value Pack"),
        ),
    },
    "packaged vegetables fruits": {
        "department": "produce", "catalog": 615, "demand": 5.4, "price": (1.49, 7.99),
        "brands": "farm",
        "groups": (
            ("Baby Spinach|Spring Mix|Baby Carrots|Grape Tomatoes|Cherry Tomatoes|Shredded Lettuce"
             "|Baby Arugula|Chopped Kale|Power Greens|Butter Lettuce|Sliced Mushrooms"
             "|Broccoli Florets|Cauliflower Florets"
             "|Coleslaw Mix|Caesar Salad Kit|Trimmed Green Beans"
             "|Sweet Mini Peppers|Shredded Carrots|Riced Cauliflower|Zucchini Noodles"
             "|Diced Onions|Peeled Garlic|Cut Pineapple|Mixed Fruit Cup|Apple Slices|Salad Blend"
             "|Stir Fry Vegetables|Snap Pea Mix|Sprouts Mix|Microgreens",
             f"{_O}|Triple Washed|Fresh Cut|Steam in Bag",
             "",
             "5 oz|10 oz|16 oz|Family Size|Snack Pack|Clamshell"),
        ),
    },
    "fresh herbs": {
        "department": "produce", "catalog": 90, "demand": 1.2, "price": (0.99, 3.99),
        "brands": "farm",
        "groups": (
            ("Cilantro|Italian Parsley|Basil|Fresh Mint|Fresh Dill|Fresh Rosemary|Fresh Thyme"
             "|Fresh Chives|Fresh Sage|Fresh Oregano|Lemongrass|Curly Parsley|Thai Basil|Tarragon",
             f"{_O}|Living|Hydroponic",
             "",
             "Bunch|Clamshell|0.75 oz|2 oz"),
        ),
    },
    "packaged produce": {
        "department": "produce", "catalog": 40, "demand": 0.6, "price": (1.99, 8.99),
        "brands": "farm",
        "groups": (
            ("Fruit Tray|Vegetable Tray|Crudite Platter|Fruit Salad|Melon Medley|Veggie Snack Pack"
             "|Guacamole Kit|Salsa Kit|Stir Fry Kit|Soup Starter Mix",
             f"{_O}|Party Size|Snack Size",
             "",
             "Small|Medium|Large"),
        ),
    },
    # ------------------------------------------------------------------------- dairy eggs
    "milk": {
        "department": "dairy eggs", "catalog": 245, "demand": 2.7, "price": (1.29, 6.99),
        "brands": "dairy",
        "groups": (
            ("Whole Milk|2% Reduced Fat Milk|1% Lowfat Milk|Fat Free Milk|Lactose Free Whole Milk"
             "|Whole Milk Ultra Filtered|Buttermilk|Goat Milk|A2 Whole Milk|Raw Whole Milk",
             f"{_O}|Grass Fed|Vitamin D|Local",
             "Chocolate|Strawberry|Vanilla",
             "Half Gallon|Gallon|Quart|Pint"),
        ),
    },
    "eggs": {
        "department": "dairy eggs", "catalog": 125, "demand": 1.1, "price": (1.99, 8.99),
        "brands": "farm",
        "groups": (
            ("Large Grade A Eggs|Large Brown Eggs|Extra Large Eggs|Cage Free Large Eggs"
             "|Pasture Raised Eggs|Free Range Brown Eggs|Liquid Egg Whites|Hard Boiled Eggs"
             "|Jumbo Eggs|Medium Eggs|Duck Eggs|Egg Substitute",
             f"{_O}|Omega-3|Vegetarian Fed",
             "",
             "6 ct|12 ct|18 ct|24 ct|Carton"),
        ),
    },
    "yogurt": {
        "department": "dairy eggs", "catalog": 1025, "demand": 4.5, "price": (0.79, 7.49),
        "brands": "dairy",
        "groups": (
            ("Greek Yogurt|Whole Milk Yogurt|Low Fat Yogurt|Nonfat Yogurt|Icelandic Skyr|Kefir"
             "|Drinkable Yogurt|Kids Yogurt Tubes|Coconut Milk Yogurt|Almond Milk Yogurt"
             "|Oat Milk Yogurt|Yogurt Cups|Probiotic Yogurt|Cream Top Yogurt",
             f"{_O}|Blended|Fruit on the Bottom|Lactose Free|Grass Fed|Light",
             "Plain|Vanilla|Strawberry|Blueberry|Peach"
             "|Honey|Mixed Berry|Black Cherry|Raspberry|Lemon"
             "|Mango|Coconut|Key Lime|Pineapple|Strawberry Banana|Cinnamon",
             "0%|2%|5.3 oz|32 oz|4 Pack|12 Pack|Multipack"),
        ),
    },
    "packaged cheese": {
        "department": "dairy eggs", "catalog": 890, "demand": 3.0, "price": (2.49, 9.99),
        "brands": "dairy",
        "groups": (
            ("Shredded Mozzarella|Sharp Cheddar Cheese|Shredded Mexican Blend|String Cheese"
             "|Sliced Swiss Cheese|Grated Parmesan|Sliced Provolone|Mild Cheddar Cheese"
             "|Monterey Jack Cheese|Pepper Jack Cheese|Colby Jack Cheese|Sliced American Cheese"
             "|Shredded Italian Blend|Cheese Sticks|Cottage Cheese|Ricotta Cheese|Feta Crumbles"
             "|Goat Cheese Log|Cream Cheese|Muenster Cheese|Gouda Cheese|Havarti Cheese",
             f"{_O}|Extra Sharp|Reduced Fat|Low Moisture|Part Skim|Aged|Smoked|Grass Fed",
             "",
             "8 oz|16 oz|2 lb|Family Size|Snack Pack"),
        ),
    },
    "specialty cheeses": {
        "department": "dairy eggs", "catalog": 270, "demand": 0.6, "price": (3.99, 19.99),
        "brands": "dairy",
        "groups": (
            ("Brie|Camembert|Manchego|Gruyere|Aged Gouda|Blue Cheese|Gorgonzola|Burrata"
             "|Fresh Mozzarella|Parmigiano Reggiano|Pecorino Romano|Halloumi|Triple Cream Brie"
             "|Smoked Gouda|Fontina|Asiago|Stilton|Comte|Taleggio|Mascarpone",
             f"{_O}|Artisan|Aged|Imported|Cave Aged|Truffle",
             "",
             "Wedge|Round|4 oz|8 oz"),
        ),
    },
    "butter": {
        "department": "dairy eggs", "catalog": 150, "demand": 0.55, "price": (2.99, 8.99),
        "brands": "dairy",
        "groups": (
            ("Unsalted Butter|Salted Butter|Salted Sweet Cream Butter|European Style Butter"
             "|Whipped Butter|Ghee|Plant Based Butter|Cultured Butter|Spreadable Butter"
             "|Garlic Herb Butter|Honey Butter",
             f"{_O}|Grass Fed|Irish|Light",
             "",
             "Sticks|Tub|8 oz|16 oz"),
        ),
    },
    "cream": {
        "department": "dairy eggs", "catalog": 160, "demand": 0.7, "price": (1.49, 5.99),
        "brands": "dairy",
        "groups": (
            ("Half & Half|Heavy Whipping Cream|Sour Cream|Whipped Cream|Light Cream|Creme Fraiche",
             f"{_O}|Fat Free|Light|Ultra Pasteurized|Grass Fed",
             "",
             "Pint|Quart|8 oz|16 oz"),
            ("Coffee Creamer|Oat Milk Creamer|Almond Milk Creamer|Coconut Creamer",
             f"{_O}|Fat Free|Sugar Free|Plant Based",
             "French Vanilla|Hazelnut|Caramel|Sweet Cream|Mocha|Pumpkin Spice",
             "Pint|Quart|32 oz"),
        ),
    },
    "soy lactosefree": {
        "department": "dairy eggs", "catalog": 290, "demand": 2.0, "price": (2.49, 6.99),
        "brands": "dairy",
        "groups": (
            ("Unsweetened Almond Milk|Oat Milk|Soy Milk|Coconut Milk Beverage|Cashew Milk"
             "|Lactose Free 2% Milk|Pea Protein Milk|Rice Milk|Macadamia Milk|Hemp Milk",
             f"{_O}|Original|Barista Edition|Extra Creamy|Light",
             "Vanilla|Chocolate|Unsweetened Vanilla",
             "Half Gallon|Quart|6 Pack"),
        ),
    },
    "other creams cheeses": {
        "department": "dairy eggs", "catalog": 190, "demand": 1.0, "price": (1.99, 6.99),
        "brands": "dairy",
        "groups": (
            ("Cream Cheese Spread|Whipped Cream Cheese|Neufchatel Cheese|Queso Fresco"
             "|Cotija Cheese|Paneer|Cheese Spread|Pimento Cheese|Vegan Cream Cheese",
             f"{_O}|Light|Reduced Fat",
             "Chive & Onion|Strawberry|Garden Vegetable|Honey Pecan|Jalapeno",
             "8 oz|12 oz|Tub"),
        ),
    },
    "refrigerated pudding desserts": {
        "department": "dairy eggs", "catalog": 100, "demand": 0.25, "price": (1.49, 5.99),
        "brands": "dairy",
        "groups": (
            ("Pudding Cups|Rice Pudding|Flan|Cheesecake Cups|Chocolate Mousse|Panna Cotta"
             "|Tapioca Pudding|Gelatin Cups",
             "Sugar Free|Fat Free|Organic",
             "Chocolate|Vanilla|Butterscotch|Caramel|Banana",
             "4 Pack|6 Pack|Single"),
        ),
    },
    # ------------------------------------------------------------------------- snacks
    "chips pretzels": {
        "department": "snacks", "catalog": 990, "demand": 2.2, "price": (0.99, 5.99),
        "brands": "snack",
        "groups": (
            ("Potato Chips|Tortilla Chips|Kettle Cooked Potato Chips|Pita Chips|Pretzel Twists"
             "|Pretzel Sticks|Veggie Straws|Corn Chips|Plantain Chips|Pretzel Crisps"
             "|Lentil Chips|Sweet Potato Chips|Cheese Puffs|Rice Crisps|Multigrain Chips",
             f"{_O}|Baked|Reduced Fat|Thick Cut|Gluten Free|Lightly Salted",
             "Sea Salt|Sea Salt & Vinegar|Barbecue"
             "|Sour Cream & Onion|Jalapeno|Cheddar|Salt & Pepper"
             "|Honey Mustard|Lime|Spicy Chili|Ranch|Everything",
             "1 oz|8 oz|Family Size|Party Size|Snack Pack|Multipack"),
        ),
    },
    "crackers": {
        "department": "snacks", "catalog": 750, "demand": 1.3, "price": (1.49, 5.99),
        "brands": "snack",
        "groups": (
            ("Saltine Crackers|Whole Wheat Crackers|Cheese Crackers|Graham Crackers|Rice Crackers"
             "|Water Crackers|Butter Crackers|Seed Crackers|Flatbread Crackers|Rye Crisps"
             "|Animal Crackers|Sandwich Crackers|Oyster Crackers|Almond Flour Crackers",
             f"{_O}|Gluten Free|Reduced Fat|Whole Grain|Thin",
             "Sea Salt|Rosemary|Cracked Pepper|Cheddar|Honey|Cinnamon|Everything|Garlic Herb",
             "Box|Family Size|Snack Pack|Multipack"),
        ),
    },
    "cookies cakes": {
        "department": "snacks", "catalog": 875, "demand": 0.8, "price": (1.99, 6.99),
        "brands": "snack",
        "groups": (
            ("Chocolate Chip Cookies|Chocolate Sandwich Cookies|Oatmeal Raisin Cookies"
             "|Shortbread Cookies|Snickerdoodle Cookies|Sugar Cookies|Wafer Cookies|Ginger Snaps"
             "|Fig Bars|Butter Cookies|Brownie Bites|Snack Cakes|Mini Muffins|Biscotti"
             "|Macarons|Pecan Sandies",
             f"{_O}|Gluten Free|Soft Baked|Crunchy|Mini|Vegan",
             "Double Chocolate|Vanilla|Lemon|Peanut Butter|Salted Caramel|Coconut|Almond",
             "Family Size|Snack Pack|Multipack|Box"),
        ),
    },
    "candy chocolate": {
        "department": "snacks", "catalog": 1250, "demand": 0.8, "price": (0.99, 6.99),
        "brands": "snack",
        "groups": (
            ("Dark Chocolate Bar|Milk Chocolate Bar|Peanut Butter Cups|Chocolate Covered Almonds"
             "|Gummy Bears|Sour Gummy Worms|Caramel Chews|Chocolate Truffles|Licorice Twists"
             "|Hard Candy|Lollipops|Toffee|Fudge|Chocolate Covered Pretzels|Mint Chocolate Thins"
             "|Jelly Beans|Marshmallows|Fruit Chews"
             "|Chocolate Sea Salt Caramels|White Chocolate Bar",
             f"{_O}|Fair Trade|Sugar Free|Vegan|Mini",
             "72%|85%|Sea Salt|Almond|Raspberry|Orange|Mint|Hazelnut|Espresso|Coconut|Cherry"
             "|Toffee Crunch",
             "Share Size|Bag|Box|Snack Size|Party Bag"),
        ),
    },
    "energy granola bars": {
        "department": "snacks", "catalog": 830, "demand": 1.3, "price": (0.99, 7.99),
        "brands": "snack",
        "groups": (
            ("Chewy Granola Bars|Protein Bars|Fruit & Nut Bars|Crunchy Granola Bars|Energy Bars"
             "|Cereal Bars|Rice Crispy Treats|Oat Bars|Nut Butter Bars|Kids Snack Bars|Keto Bars",
             f"{_O}|Gluten Free|Low Sugar|Vegan|High Protein",
             "Chocolate Chip|Peanut Butter|Almond|Dark Chocolate Sea Salt|Blueberry|Oats & Honey"
             "|Cranberry Almond|Coconut Cashew|Cookie Dough|Lemon|Apple Cinnamon",
             "Single|5 Pack|6 Pack|12 Pack|Value Pack"),
        ),
    },
    "nuts seeds dried fruit": {
        "department": "snacks", "catalog": 580, "demand": 0.9, "price": (1.99, 11.99),
        "brands": "snack",
        "groups": (
            ("Almonds|Cashews|Walnuts|Pistachios|Pecans|Mixed Nuts|Peanuts|Sunflower Seeds"
             "|Pumpkin Seeds|Raisins|Dried Cranberries|Dried Mango|Dates|Dried Apricots"
             "|Prunes|Macadamia Nuts|Brazil Nuts|Dried Figs|Banana Chips|Chia Seeds",
             f"{_O}|Roasted|Raw|Unsalted|Lightly Salted|Sprouted",
             "Honey Roasted|Smoked|Chili Lime|Sea Salt",
             "Bag|8 oz|16 oz|Snack Pack|Value Pack"),
        ),
    },
    "popcorn jerky": {
        "department": "snacks", "catalog": 320, "demand": 0.5, "price": (1.99, 9.99),
        "brands": "snack",
        "groups": (
            ("Popcorn|Microwave Popcorn|Kettle Corn|Beef Jerky|Turkey Jerky|Meat Sticks"
             "|Pork Rinds|Salmon Jerky|Mushroom Jerky",
             f"{_O}|Lightly Salted|Grass Fed|Zero Sugar",
             "Butter|White Cheddar|Sea Salt|Teriyaki|Original|Peppered|Sweet & Spicy|Caramel",
             "Bag|3 Pack|Snack Pack|Family Size"),
        ),
    },
    "fruit vegetable snacks": {
        "department": "snacks", "catalog": 360, "demand": 0.6, "price": (0.99, 5.99),
        "brands": "snack",
        "groups": (
            ("Fruit Snacks|Applesauce Pouches|Fruit Leather|Freeze Dried Strawberries"
             "|Apple Chips|Seaweed Snacks|Veggie Chips|Fruit Strips|Coconut Chips",
             f"{_O}|No Sugar Added|Kids",
             "Mixed Berry|Strawberry|Apple Cinnamon|Tropical|Sea Salt|Mango",
             "Single|6 Pack|10 Pack|Value Pack"),
        ),
    },
    "mint gum": {
        "department": "snacks", "catalog": 170, "demand": 0.2, "price": (0.99, 3.99),
        "brands": "snack",
        "groups": (
            ("Chewing Gum|Breath Mints|Sugar Free Gum|Bubble Gum|Mint Tin",
             "Sugar Free|Xylitol|Extra Strong",
             "Spearmint|Peppermint|Wintergreen|Cinnamon|Watermelon|Fruit",
             "Single|3 Pack|Value Pack"),
        ),
    },
    "trail mix snack mix": {
        "department": "snacks", "catalog": 70, "demand": 0.1, "price": (2.49, 8.99),
        "brands": "snack",
        "groups": (
            ("Trail Mix|Snack Mix|Chex Style Mix|Tropical Mix|Nut & Chocolate Mix",
             f"{_O}|Lightly Salted",
             "Sweet & Salty|Mountain|Cranberry|Bold",
             "Bag|Snack Pack|Family Size"),
        ),
    },
    "ice cream toppings": {
        "department": "snacks", "catalog": 85, "demand": 0.1, "price": (1.99, 5.99),
        "brands": "snack",
        "groups": (
            ("Chocolate Syrup|Caramel Sauce|Hot Fudge|Rainbow Sprinkles|Waffle Cones"
             "|Sugar Cones|Maraschino Cherries|Whipped Topping",
             "Sugar Free|Organic",
             "",
             "Jar|Squeeze Bottle|Box"),
        ),
    },
    # ------------------------------------------------------------------------- beverages
    "water seltzer sparkling water": {
        "department": "beverages", "catalog": 345, "demand": 2.7, "price": (0.99, 7.99),
        "brands": "beverage",
        "groups": (
            ("Sparkling Water|Spring Water|Seltzer Water|Mineral Water|Purified Water"
             "|Alkaline Water|Coconut Water|Flavored Water|Tonic Water|Club Soda",
             f"{_O}|Unsweetened|Electrolyte",
             "Lime|Lemon|Grapefruit|Black Cherry|Raspberry|Mango|Orange|Watermelon|Cucumber"
             "|Pamplemousse|Passionfruit",
             "1 L|12 Pack|24 Pack|6 Pack|Gallon"),
        ),
    },
    "soft drinks": {
        "department": "beverages", "catalog": 460, "demand": 0.8, "price": (0.99, 8.99),
        "brands": "beverage",
        "groups": (
            ("Cola|Diet Cola|Lemon Lime Soda|Ginger Ale|Root Beer|Orange Soda|Cream Soda"
             "|Zero Sugar Cola|Prebiotic Soda|Craft Soda",
             f"{_O}|Caffeine Free|Zero Sugar",
             "Cherry|Vanilla|Grape|Blood Orange|Ginger",
             "2 L|12 Pack|6 Pack|20 oz"),
        ),
    },
    "juice nectars": {
        "department": "beverages", "catalog": 790, "demand": 1.1, "price": (1.99, 7.99),
        "brands": "beverage",
        "groups": (
            ("Orange Juice|Apple Juice|Cranberry Juice Cocktail|Grape Juice|Lemonade"
             "|Pineapple Juice|Grapefruit Juice|Mango Nectar|Pomegranate Juice|Tart Cherry Juice"
             "|Juice Boxes|Peach Nectar|Fruit Punch",
             f"{_O}|100%|Not from Concentrate|No Pulp|Light",
             "Mango|Strawberry|Raspberry|Passion Fruit|Tropical",
             "52 oz|64 oz|Gallon|6 Pack|8 Pack"),
            ("Tomato Juice|Vegetable Juice|Carrot Juice|Beet Juice",
             f"{_O}|Low Sodium|Spicy",
             "",
             "32 oz|46 oz|6 Pack"),
        ),
    },
    "coffee": {
        "department": "beverages", "catalog": 680, "demand": 0.8, "price": (3.99, 16.99),
        "brands": "beverage",
        "groups": (
            ("Ground Coffee|Whole Bean Coffee|Coffee Pods|Cold Brew Coffee|Instant Coffee"
             "|Espresso Beans|Decaf Ground Coffee|Iced Coffee",
             f"{_O}|Fair Trade|Single Origin|Medium Roast|Dark Roast|Light Roast",
             "French Roast|Breakfast Blend|Colombian|Sumatra|Ethiopian|Hazelnut|Vanilla|Mocha",
             "12 oz|24 oz|10 ct|24 ct|Bag"),
        ),
    },
    "tea": {
        "department": "beverages", "catalog": 890, "demand": 0.5, "price": (1.99, 8.99),
        "brands": "beverage",
        "groups": (
            ("Green Tea|Black Tea|Herbal Tea|Chamomile Tea|Peppermint Tea|Earl Grey Tea"
             "|English Breakfast Tea|Chai Tea|Matcha Powder|Oolong Tea|Rooibos Tea|White Tea"
             "|Iced Tea|Kombucha|Sweet Tea",
             f"{_O}|Decaf|Loose Leaf|Unsweetened",
             "Lemon|Ginger|Honey|Jasmine|Mango|Raspberry|Hibiscus|Vanilla|Peach",
             "20 ct|40 ct|100 ct|Bottle|Gallon"),
        ),
    },
    "refrigerated": {
        "department": "beverages", "catalog": 675, "demand": 1.7, "price": (1.99, 8.99),
        "brands": "beverage",
        "groups": (
            ("Cold Pressed Juice|Green Juice|Smoothie|Kombucha|Wellness Shot|Juice Cleanse",
             f"{_O}|Raw|Probiotic",
             "Ginger|Turmeric|Berry|Mango|Green Apple|Citrus|Beet|Pineapple",
             "12 oz|16 oz|52 oz|4 Pack"),
            ("Fresh Squeezed Orange Juice|Fresh Lemonade|Fresh Grapefruit Juice|Fresh Limeade",
             f"{_O}|Pulp Free|Cold Pressed|High Pulp",
             "",
             "12 oz|52 oz|Half Gallon"),
            ("Iced Latte|Protein Shake|Almond Milk Latte|Cold Brew|Oat Milk Latte",
             f"{_O}|Unsweetened|High Protein|Light",
             "Vanilla|Mocha|Caramel|Chocolate|Hazelnut",
             "11 oz|4 Pack|12 Pack"),
        ),
    },
    "energy sports drinks": {
        "department": "beverages", "catalog": 295, "demand": 0.4, "price": (1.49, 8.99),
        "brands": "beverage",
        "groups": (
            ("Sports Drink|Energy Drink|Electrolyte Drink|Sugar Free Energy Drink|Energy Shot"
             "|Hydration Powder|Recovery Drink",
             "Zero Sugar|Low Calorie|Organic",
             "Fruit Punch|Lemon Lime|Blue Raspberry|Orange|Tropical|Grape|Cool Blue|Citrus",
             "20 oz|12 Pack|4 Pack|8 Pack"),
        ),
    },
    "cocoa drink mixes": {
        "department": "beverages", "catalog": 220, "demand": 0.15, "price": (1.99, 7.99),
        "brands": "beverage",
        "groups": (
            ("Hot Cocoa Mix|Chocolate Milk Mix|Drink Mix Packets|Lemonade Mix|Iced Tea Mix"
             "|Malted Milk Powder|Protein Drink Mix",
             "Sugar Free|Organic|Low Calorie",
             "Milk Chocolate|Dark Chocolate|Marshmallow|Peppermint|Strawberry|Raspberry",
             "Canister|8 ct|Box"),
        ),
    },
    # ------------------------------------------------------------------------- frozen
    "ice cream ice": {
        "department": "frozen", "catalog": 1090, "demand": 1.1, "price": (2.49, 7.99),
        "brands": "frozen",
        "groups": (
            ("Ice Cream|Gelato|Frozen Yogurt|Sorbet|Ice Cream Sandwiches|Ice Cream Bars"
             "|Fruit Bars|Non Dairy Frozen Dessert|Light Ice Cream|Frozen Custard|Ice Pops"
             "|Bagged Ice",
             f"{_O}|Premium|Dairy Free|No Sugar Added|Slow Churned",
             "Vanilla Bean|Chocolate|Mint Chip|Cookies & Cream|Strawberry|Coffee|Salted Caramel"
             "|Rocky Road|Butter Pecan|Cookie Dough|Pistachio|Mango|Raspberry|Coconut"
             "|Chocolate Fudge Brownie|Neapolitan",
             "Pint|1.5 Quart|6 Pack|12 Pack"),
        ),
    },
    "frozen meals": {
        "department": "frozen", "catalog": 880, "demand": 1.3, "price": (2.49, 9.99),
        "brands": "frozen",
        "groups": (
            ("Chicken Burrito Bowl|Macaroni & Cheese|Lasagna|Chicken Alfredo|Beef Enchiladas"
             "|Orange Chicken|Pad Thai|Chicken Pot Pie|Bean & Cheese Burrito|Vegetable Fried Rice"
             "|Tikka Masala|Shepherd's Pie|Teriyaki Chicken Bowl|Pot Stickers|Spinach Ravioli"
             "|Meatloaf Dinner|Salisbury Steak|Cheese Tortellini"
             "|Fettuccine Alfredo|Chicken Fajita Bowl"
             "|Butter Chicken|Korean Beef Bowl|Mushroom Risotto|Chicken Parmesan",
             f"{_O}|Gluten Free|Family Size|Lean|Protein|Vegetarian",
             "Spicy|Roasted Garlic|Three Cheese|Southwest",
             "Single Serve|Family Size|2 Pack|Value Pack"),
        ),
    },
    "frozen produce": {
        "department": "frozen", "catalog": 360, "demand": 1.5, "price": (1.49, 6.99),
        "brands": "frozen",
        "groups": (
            ("Frozen Blueberries|Frozen Strawberries|Frozen Broccoli Florets|Frozen Peas"
             "|Frozen Sweet Corn|Frozen Mixed Vegetables|Frozen Spinach|Frozen Mango Chunks"
             "|Frozen Mixed Berries|Frozen Cauliflower Rice|Frozen Green Beans|Frozen Edamame"
             "|Frozen Raspberries|Frozen Pineapple|Frozen Cherries|Frozen Avocado Chunks"
             "|Frozen Stir Fry Vegetables|Frozen Brussels Sprouts|Frozen Acai Packs|Frozen Kale",
             f"{_O}|Steamable|Wild|Petite",
             "",
             "10 oz|16 oz|32 oz|Family Size|Value Pack"),
        ),
    },
    "frozen pizza": {
        "department": "frozen", "catalog": 335, "demand": 0.4, "price": (2.99, 11.99),
        "brands": "frozen",
        "groups": (
            ("Pepperoni Pizza|Cheese Pizza|Margherita Pizza|Supreme Pizza|Sausage Pizza"
             "|Veggie Pizza|Pizza Rolls|French Bread Pizza|Cauliflower Crust Pizza|Flatbread Pizza"
             "|Hawaiian Pizza|White Pizza|Pizza Bites",
             f"{_O}|Thin Crust|Rising Crust|Stone Fired|Gluten Free|Deep Dish",
             "Four Cheese|Spicy|Barbecue Chicken|Mushroom",
             "Personal Size|Family Size|2 Pack|Party Size"),
        ),
    },
    "frozen appetizers sides": {
        "department": "frozen", "catalog": 385, "demand": 0.5, "price": (2.49, 9.99),
        "brands": "frozen",
        "groups": (
            ("French Fries|Tater Tots|Onion Rings|Sweet Potato Fries|Hash Brown Patties"
             "|Potato Wedges",
             f"{_O}|Crispy|Seasoned|Waffle Cut|Crinkle Cut|Steak Cut",
             "",
             "Bag|Family Size|Value Pack"),
            ("Egg Rolls|Spring Rolls|Dumplings|Mini Tacos|Taquitos|Empanadas",
             f"{_O}|Crispy|Mini",
             "Pork|Chicken|Vegetable|Beef",
             "Bag|Family Size|Party Pack"),
            ("Chicken Wings|Mozzarella Sticks|Jalapeno Poppers|Garlic Bread|Meatballs|Spanakopita"
             "|Pretzel Bites",
             f"{_O}|Crispy|Party Size|Classic",
             "",
             "Bag|Family Size|Party Pack"),
        ),
    },
    "frozen breakfast": {
        "department": "frozen", "catalog": 295, "demand": 0.5, "price": (2.49, 8.99),
        "brands": "frozen",
        "groups": (
            ("Frozen Waffles|Breakfast Burritos|Breakfast Sandwiches|Frozen Pancakes"
             "|French Toast Sticks|Sausage Links|Egg Bites|Toaster Pastries|Frozen Hash Browns",
             f"{_O}|Gluten Free|Protein|Mini",
             "Blueberry|Buttermilk|Sausage Egg & Cheese"
             "|Bacon Egg & Cheese|Homestyle|Chocolate Chip",
             "6 ct|10 ct|Family Size|Value Pack"),
        ),
    },
    "frozen meat seafood": {
        "department": "frozen", "catalog": 230, "demand": 0.3, "price": (4.99, 19.99),
        "brands": "frozen",
        "groups": (
            ("Frozen Shrimp|Frozen Salmon Fillets|Fish Sticks|Frozen Tilapia|Frozen Cod Fillets"
             "|Battered Fish Fillets|Frozen Scallops|Frozen Mahi Mahi",
             "Wild Caught|Farm Raised|Cooked|Raw|Jumbo",
             "Lemon Pepper|Garlic Butter|Cajun",
             "1 lb|2 lb Bag|Family Size|Value Pack"),
            ("Chicken Nuggets|Chicken Tenders|Frozen Chicken Breasts|Beef Burger Patties"
             "|Turkey Burgers|Popcorn Chicken|Chicken Patties",
             f"{_O}|Breaded|Grilled|Fully Cooked|Gluten Free",
             "Buffalo|Honey Barbecue|Southwest|Classic",
             "1 lb|2 lb Bag|Family Size|Value Pack"),
        ),
    },
    "frozen vegan vegetarian": {
        "department": "frozen", "catalog": 190, "demand": 0.3, "price": (2.99, 8.99),
        "brands": "frozen",
        "groups": (
            ("Veggie Burgers|Plant Based Nuggets|Black Bean Burgers|Meatless Crumbles"
             "|Plant Based Sausages|Falafel|Cauliflower Wings|Veggie Meatballs|Tofu Bites",
             f"{_O}|Vegan|Gluten Free|High Protein",
             "Spicy|Smoky|Original|Garden|Chipotle",
             "4 ct|8 ct|Family Size"),
        ),
    },
    "frozen breads doughs": {
        "department": "frozen", "catalog": 80, "demand": 0.15, "price": (2.49, 6.99),
        "brands": "bakery",
        "groups": (
            ("Pie Crust|Puff Pastry Sheets|Dinner Rolls Dough|Pizza Dough|Biscuit Dough"
             "|Cookie Dough|Phyllo Dough|Garlic Knots|Croissant Dough",
             f"{_O}|Gluten Free|All Butter",
             "",
             "2 ct|Box|Bag"),
        ),
    },
    "frozen dessert": {
        "department": "frozen", "catalog": 110, "demand": 0.1, "price": (2.99, 9.99),
        "brands": "frozen",
        "groups": (
            ("Cheesecake|Cream Pie|Layer Cake|Mochi",
             "Gluten Free|Mini|Family Size",
             "Chocolate|Strawberry|Key Lime|Pumpkin|Mango|Cherry",
             "6 ct|9 inch|Box"),
            ("Apple Pie|Brownies|Peach Cobbler|Eclairs|Cream Puffs|Tiramisu|Cherry Pie",
             "Gluten Free|Mini|Family Size|Homestyle",
             "",
             "6 ct|9 inch|Box"),
        ),
    },
    # ------------------------------------------------------------------------- pantry
    "spreads": {
        "department": "pantry", "catalog": 495, "demand": 0.9, "price": (1.99, 9.99),
        "brands": "pantry",
        "groups": (
            ("Creamy Peanut Butter|Crunchy Peanut Butter|Almond Butter|Strawberry Jam"
             "|Grape Jelly|Raspberry Preserves|Hazelnut Spread|Cashew Butter|Sunflower Seed Butter"
             "|Apricot Preserves|Orange Marmalade|Apple Butter|Blackberry Jam|Fig Spread"
             "|Cookie Butter|Tahini",
             f"{_O}|Natural|No Sugar Added|Reduced Sugar|No Stir|Salted",
             "Honey|Maple|Cinnamon|Chocolate",
             "16 oz|28 oz|Squeeze|Jar"),
        ),
    },
    "condiments": {
        "department": "pantry", "catalog": 465, "demand": 0.7, "price": (0.99, 6.99),
        "brands": "pantry",
        "groups": (
            ("Ketchup|Yellow Mustard|Dijon Mustard|Mayonnaise|Hot Sauce|Sriracha|Barbecue Sauce"
             "|Soy Sauce|Relish|Worcestershire Sauce|Hoisin Sauce|Horseradish|Tartar Sauce"
             "|Steak Sauce|Aioli|Chili Crisp|Cocktail Sauce|Honey Mustard",
             f"{_O}|Reduced Sodium|Light|No Sugar Added|Spicy|Vegan",
             "Garlic|Chipotle|Habanero|Smoky|Sweet|Stone Ground",
             "Squeeze Bottle|Jar|12 oz|20 oz|32 oz"),
        ),
    },
    "baking ingredients": {
        "department": "pantry", "catalog": 625, "demand": 1.0, "price": (0.99, 9.99),
        "brands": "pantry",
        "groups": (
            ("Granulated Sugar|All Purpose Flour|Light Brown Sugar|Baking Soda|Baking Powder"
             "|Pure Vanilla Extract|Powdered Sugar|Semi Sweet Chocolate Chips|Bread Flour"
             "|Whole Wheat Flour|Cornstarch|Cocoa Powder|Almond Flour|Yeast|Coconut Flour"
             "|Cane Sugar|Dark Brown Sugar|Sweetened Condensed Milk"
             "|Evaporated Milk|Shredded Coconut"
             "|Cornmeal|Almond Extract|Butterscotch Chips|Monk Fruit Sweetener",
             f"{_O}|Unbleached|Gluten Free|Fair Trade|Pure",
             "",
             "1 lb|2 lb|5 lb Bag|10 oz|Value Pack"),
        ),
    },
    "spices seasonings": {
        "department": "pantry", "catalog": 800, "demand": 0.9, "price": (0.99, 8.99),
        "brands": "pantry",
        "groups": (
            ("Sea Salt|Black Pepper|Ground Cinnamon|Garlic Powder|Onion Powder|Paprika"
             "|Ground Cumin|Chili Powder|Dried Oregano|Italian Seasoning|Crushed Red Pepper"
             "|Bay Leaves|Ground Turmeric|Smoked Paprika|Taco Seasoning|Ground Ginger"
             "|Curry Powder|Everything Bagel Seasoning|Kosher Salt|Cajun Seasoning|Garlic Salt"
             "|Ground Nutmeg|Dried Thyme|Dried Basil|Cayenne Pepper|Lemon Pepper|Steak Seasoning"
             "|Pumpkin Pie Spice|Whole Cloves|Cardamom|Za'atar|Garam Masala",
             f"{_O}|Ground|Whole|Coarse|Fine|Salt Free",
             "",
             "Jar|Grinder|Refill Bag|Large"),
        ),
    },
    "oils vinegars": {
        "department": "pantry", "catalog": 375, "demand": 0.6, "price": (1.99, 14.99),
        "brands": "pantry",
        "groups": (
            ("Extra Virgin Olive Oil|Canola Oil|Avocado Oil|Coconut Oil|Vegetable Oil"
             "|Balsamic Vinegar|Apple Cider Vinegar|Red Wine Vinegar|Rice Vinegar|Sesame Oil"
             "|Cooking Spray|White Vinegar|Grapeseed Oil|Sherry Vinegar|Sunflower Oil",
             f"{_O}|Cold Pressed|Refined|Unfiltered|Aged|Light",
             "Garlic|Lemon|Chili|Truffle",
             "16.9 oz|33.8 oz|Gallon|Spray"),
        ),
    },
    "salad dressing toppings": {
        "department": "pantry", "catalog": 560, "demand": 0.6, "price": (1.99, 6.99),
        "brands": "pantry",
        "groups": (
            ("Ranch Dressing|Caesar Dressing|Balsamic Vinaigrette|Italian Dressing"
             "|Blue Cheese Dressing|Honey Mustard Dressing|Greek Dressing|Thousand Island Dressing"
             "|Lemon Tahini Dressing|Sesame Ginger Dressing|Croutons|Salad Toppers|Bacon Bits"
             "|Crispy Onions",
             f"{_O}|Light|Fat Free|Vegan|Creamy",
             "Garlic|Herb|Raspberry|Avocado|Cilantro Lime|Parmesan",
             "12 oz|16 oz|Bag"),
        ),
    },
    "honeys syrups nectars": {
        "department": "pantry", "catalog": 230, "demand": 0.3, "price": (2.49, 12.99),
        "brands": "pantry",
        "groups": (
            ("Pure Maple Syrup|Raw Honey|Clover Honey|Pancake Syrup|Agave Nectar|Manuka Honey"
             "|Honey Bear|Date Syrup|Molasses|Simple Syrup",
             f"{_O}|Grade A|Raw|Unfiltered|Light",
             "",
             "12 oz|16 oz|32 oz|Squeeze Bottle"),
        ),
    },
    "pickled goods olives": {
        "department": "pantry", "catalog": 400, "demand": 0.4, "price": (1.99, 7.99),
        "brands": "pantry",
        "groups": (
            ("Dill Pickle Spears|Kalamata Olives|Green Olives|Sliced Jalapenos|Sauerkraut|Capers"
             "|Bread & Butter Pickles|Pepperoncini|Roasted Red Peppers|Kimchi|Pickled Onions"
             "|Castelvetrano Olives|Artichoke Hearts|Cornichons|Black Olives|Banana Peppers",
             f"{_O}|Pitted|Sliced|Whole|Reduced Sodium",
             "Garlic|Spicy|Kosher Dill|Sweet",
             "Jar|16 oz|24 oz"),
        ),
    },
    "marinades meat preparation": {
        "department": "pantry", "catalog": 410, "demand": 0.3, "price": (1.49, 6.99),
        "brands": "pantry",
        "groups": (
            ("Teriyaki Marinade|Breadcrumbs|Panko Breadcrumbs|Meat Tenderizer|Chicken Seasoning Mix"
             "|Fajita Marinade|Steak Marinade|Dry Rub|Batter Mix|Fish Fry Mix|Brine Kit",
             f"{_O}|Gluten Free|Reduced Sodium",
             "Garlic Herb|Lemon Pepper|Mesquite|Italian Style|Korean Barbecue|Jamaican Jerk"
             "|Chipotle|Honey Garlic",
             "Bottle|Packet|Canister"),
        ),
    },
    "preserved dips spreads": {
        "department": "pantry", "catalog": 265, "demand": 0.35, "price": (1.99, 6.99),
        "brands": "pantry",
        "groups": (
            ("Chunky Salsa|Salsa Verde|Queso Dip|Bean Dip|Artichoke Dip|Pesto|Bruschetta Topping"
             "|Tapenade|Baba Ganoush|Roasted Eggplant Spread",
             f"{_O}|Restaurant Style|Chunky",
             "Mild|Medium|Hot|Roasted Tomato|Chipotle|Mango",
             "Jar|16 oz|24 oz"),
        ),
    },
    "doughs gelatins bake mixes": {
        "department": "pantry", "catalog": 465, "demand": 0.4, "price": (0.99, 5.99),
        "brands": "pantry",
        "groups": (
            ("Brownie Mix|Cake Mix|Muffin Mix|Cookie Mix|Cornbread Mix|Gelatin Dessert"
             "|Instant Pudding Mix|Frosting|Pizza Crust Mix|Biscuit Mix|Bread Mix",
             f"{_O}|Gluten Free|Sugar Free|Vegan",
             "Fudge|Chocolate|Vanilla|Lemon|Funfetti|Blueberry|Red Velvet|Strawberry",
             "Box|Family Size"),
        ),
    },
    "baking supplies decor": {
        "department": "pantry", "catalog": 290, "demand": 0.15, "price": (1.49, 7.99),
        "brands": "pantry",
        "groups": (
            ("Cupcake Liners|Food Coloring|Parchment Paper|Decorating Icing|Sprinkles"
             "|Candy Melts|Birthday Candles|Piping Bags|Edible Glitter|Cake Toppers",
             "Natural|Mini|Jumbo",
             "Rainbow|Gold|Pastel|Holiday",
             "Pack|Set|Jar"),
        ),
    },
    # ------------------------------------------------------------------------- bakery
    "bread": {
        "department": "bakery", "catalog": 560, "demand": 1.9, "price": (1.99, 7.99),
        "brands": "bakery",
        "groups": (
            ("Whole Wheat Bread|White Sandwich Bread|Sourdough Bread|Multigrain Bread"
             "|Rye Bread|Sprouted Grain Bread|Ciabatta|French Baguette|Brioche Loaf"
             "|Italian Bread|Cinnamon Raisin Bread|Oatmeal Bread|Pumpernickel|Focaccia"
             "|Seeded Bread|Potato Bread|Gluten Free Bread|Keto Bread",
             f"{_O}|Thin Sliced|Artisan|Honey|Soft|Seeded|Stone Ground",
             "",
             "Loaf|Half Loaf|Sliced|Family Size|2 Pack"),
        ),
    },
    "breakfast bakery": {
        "department": "bakery", "catalog": 225, "demand": 0.6, "price": (1.99, 7.99),
        "brands": "bakery",
        "groups": (
            ("Plain Bagels|English Muffins|Croissants|Blueberry Muffins|Cinnamon Rolls"
             "|Everything Bagels|Scones|Danish Pastries|Donuts|Coffee Cake|Crumpets",
             f"{_O}|Mini|Whole Wheat|Gluten Free|Butter",
             "Blueberry|Cinnamon Raisin|Chocolate Chip|Apple|Lemon Poppy Seed|Sesame",
             "4 ct|6 ct|12 ct|Family Pack"),
        ),
    },
    "tortillas flat bread": {
        "department": "bakery", "catalog": 240, "demand": 0.6, "price": (1.99, 5.99),
        "brands": "bakery",
        "groups": (
            ("Flour Tortillas|Corn Tortillas|Whole Wheat Tortillas|Naan|Pita Bread|Lavash"
             "|Wraps|Taco Shells|Low Carb Tortillas|Street Taco Tortillas|Tostadas",
             f"{_O}|Gluten Free|Soft|Grain Free|Mini",
             "Spinach|Garlic|Sun Dried Tomato",
             "8 ct|10 ct|20 ct|Family Pack"),
        ),
    },
    "buns rolls": {
        "department": "bakery", "catalog": 195, "demand": 0.3, "price": (1.99, 5.99),
        "brands": "bakery",
        "groups": (
            ("Hamburger Buns|Hot Dog Buns|Dinner Rolls|Brioche Buns|Hoagie Rolls|Slider Buns"
             "|Kaiser Rolls|Hawaiian Sweet Rolls|Pretzel Buns|Potato Rolls",
             f"{_O}|Whole Wheat|Seeded|Gluten Free",
             "",
             "4 ct|8 ct|12 ct"),
        ),
    },
    "bakery desserts": {
        "department": "bakery", "catalog": 295, "demand": 0.25, "price": (2.99, 14.99),
        "brands": "bakery",
        "groups": (
            ("Layer Cake|Cupcakes|Cheesecake Slice|Pound Cake|Sheet Cake",
             "Mini|Gluten Free|Vegan|Sugar Free",
             "Vanilla|Chocolate|Lemon|Red Velvet|Strawberry|Marble",
             "4 ct|6 ct|8 inch|Slice"),
            ("Apple Pie|Brownies|Cookie Platter|Carrot Cake|Fruit Tart|Cream Puffs|Baklava"
             "|Cannoli|Pecan Pie|Cinnamon Coffee Cake",
             "Mini|Gluten Free|Homestyle|Family Size",
             "",
             "4 ct|6 ct|8 inch"),
        ),
    },
    # ------------------------------------------------------------------------- canned goods
    "soup broth bouillon": {
        "department": "canned goods", "catalog": 740, "demand": 0.9, "price": (0.99, 5.99),
        "brands": "canned",
        "groups": (
            ("Chicken Broth|Vegetable Broth|Beef Broth|Chicken Noodle Soup|Tomato Soup"
             "|Bone Broth|Minestrone Soup|Lentil Soup|Cream of Mushroom Soup|Bouillon Cubes"
             "|Split Pea Soup|Clam Chowder|Black Bean Soup|Chicken Tortilla Soup|Ramen Broth",
             f"{_O}|Low Sodium|Reduced Sodium|Hearty|Condensed|Free Range",
             "Roasted Garlic|Homestyle|Spicy",
             "32 oz|14 oz|Can|4 Pack"),
        ),
    },
    "canned jarred vegetables": {
        "department": "canned goods", "catalog": 485, "demand": 0.6, "price": (0.79, 4.99),
        "brands": "canned",
        "groups": (
            ("Diced Tomatoes|Tomato Paste|Tomato Sauce|Crushed Tomatoes|Sweet Corn|Cut Green Beans"
             "|Sweet Peas|Whole Peeled Tomatoes|Pumpkin Puree|Mushrooms|Sliced Carrots"
             "|Diced Green Chiles|Sliced Beets|Hearts of Palm"
             "|Water Chestnuts|Fire Roasted Tomatoes",
             f"{_O}|No Salt Added|Petite|Fire Roasted",
             "Basil Garlic|Italian Style|Chili Ready",
             "14.5 oz|28 oz|6 oz|Can|4 Pack"),
        ),
    },
    "canned meals beans": {
        "department": "canned goods", "catalog": 340, "demand": 0.7, "price": (0.79, 4.99),
        "brands": "canned",
        "groups": (
            ("Black Beans|Garbanzo Beans|Kidney Beans|Pinto Beans|Refried Beans|Cannellini Beans"
             "|Baked Beans|Chili with Beans|Great Northern Beans|Lentils|Ravioli in Sauce"
             "|Mixed Beans|Black Eyed Peas|Butter Beans",
             f"{_O}|Low Sodium|No Salt Added|Vegetarian|Fat Free",
             "Spicy|Smoky|Maple",
             "15 oz|29 oz|Can|4 Pack"),
        ),
    },
    "canned fruit applesauce": {
        "department": "canned goods", "catalog": 245, "demand": 0.3, "price": (0.99, 4.99),
        "brands": "canned",
        "groups": (
            ("Applesauce|Mandarin Oranges|Sliced Peaches|Pineapple Chunks|Fruit Cocktail"
             "|Pear Halves|Cranberry Sauce|Mixed Fruit|Cherry Pie Filling",
             f"{_O}|Unsweetened|No Sugar Added|Light Syrup",
             "Cinnamon|Strawberry|Mango",
             "Can|Jar|6 Pack|Cups"),
        ),
    },
    "canned meat seafood": {
        "department": "canned goods", "catalog": 285, "demand": 0.4, "price": (1.29, 7.99),
        "brands": "canned",
        "groups": (
            ("Chunk Light Tuna|Solid White Albacore Tuna|Pink Salmon|Sardines|Chicken Breast Chunks"
             "|Anchovies|Smoked Oysters|Crab Meat|Clams|Corned Beef|Mackerel|Tuna Pouch",
             f"{_O}|Wild Caught|Pole Caught|Low Sodium|Skinless",
             "in Water|in Olive Oil|Lemon Pepper|Spicy",
             "5 oz|Can|4 Pack"),
        ),
    },
    # ------------------------------------------------------------------------- deli
    "lunch meat": {
        "department": "deli", "catalog": 375, "demand": 1.0, "price": (2.99, 10.99),
        "brands": "deli",
        "groups": (
            ("Oven Roasted Turkey Breast|Black Forest Ham|Genoa Salami|Roast Beef|Smoked Turkey"
             "|Honey Ham|Chicken Breast Slices|Pepperoni Slices|Prosciutto|Bologna|Pastrami"
             "|Capicola|Mortadella|Soppressata",
             f"{_O}|Thin Sliced|Uncured|Low Sodium|Smoked|Natural",
             "Honey|Mesquite|Peppered|Maple",
             "6 oz|9 oz|16 oz|Variety Pack"),
        ),
    },
    "fresh dips tapenades": {
        "department": "deli", "catalog": 325, "demand": 0.8, "price": (2.49, 7.99),
        "brands": "deli",
        "groups": (
            ("Hummus|Guacamole|Fresh Salsa|Tzatziki|Spinach Dip|French Onion Dip|Pico de Gallo"
             "|Buffalo Chicken Dip|Tapenade|Queso",
             f"{_O}|Classic|Chunky|Simply",
             "Roasted Red Pepper|Garlic|Spicy|Lemon|Everything|Jalapeno|Pine Nut",
             "8 oz|10 oz|17 oz|Snack Cups"),
        ),
    },
    "prepared meals": {
        "department": "deli", "catalog": 315, "demand": 0.5, "price": (3.99, 12.99),
        "brands": "deli",
        "groups": (
            ("Rotisserie Chicken|Chicken Caesar Wrap|Turkey Club Sandwich|Sushi Roll|Mac & Cheese"
             "|Chicken Salad|Egg Salad|Pasta Salad|Meatloaf|Burrito Bowl|Grain Bowl|Poke Bowl",
             f"{_O}|Family Size|Classic",
             "Spicy|Lemon Herb|Barbecue|Teriyaki|Pesto",
             "Single|Family Size"),
        ),
    },
    "prepared soups salads": {
        "department": "deli", "catalog": 145, "demand": 0.3, "price": (3.49, 9.99),
        "brands": "deli",
        "groups": (
            ("Chicken Noodle Soup|Tomato Basil Soup|Broccoli Cheddar Soup|Garden Salad|Cobb Salad"
             "|Greek Salad|Caprese Salad|Quinoa Salad|Potato Salad|Coleslaw",
             f"{_O}|Fresh|Classic|Vegan",
             "",
             "16 oz|24 oz|Family Size"),
        ),
    },
    "tofu meat alternatives": {
        "department": "deli", "catalog": 160, "demand": 0.35, "price": (1.99, 6.99),
        "brands": "deli",
        "groups": (
            ("Extra Firm Tofu|Firm Tofu|Silken Tofu|Tempeh|Seitan|Plant Based Deli Slices"
             "|Baked Tofu|Plant Based Ground|Smoked Tofu",
             f"{_O}|Sprouted|High Protein",
             "Teriyaki|Sesame Ginger|Smoked|Garlic Herb",
             "14 oz|8 oz|Family Size"),
        ),
    },
    # ------------------------------------------------------------------------- dry goods pasta
    "dry pasta": {
        "department": "dry goods pasta", "catalog": 460, "demand": 0.8, "price": (0.99, 4.99),
        "brands": "pasta",
        "groups": (
            ("Spaghetti|Penne Pasta|Elbow Macaroni|Rotini|Fettuccine|Linguine|Farfalle"
             "|Rigatoni|Orzo|Lasagna Noodles|Angel Hair Pasta|Egg Noodles|Shells|Ziti"
             "|Orecchiette|Bucatini|Gnocchi|Rice Noodles|Soba Noodles|Ramen Noodles",
             f"{_O}|Gluten Free|Whole Wheat|Protein|Chickpea|Red Lentil|Bronze Cut",
             "",
             "16 oz|2 lb|Box"),
        ),
    },
    "pasta sauce": {
        "department": "dry goods pasta", "catalog": 400, "demand": 0.7, "price": (1.99, 8.99),
        "brands": "pasta",
        "groups": (
            ("Marinara Pasta Sauce|Tomato Basil Pasta Sauce|Alfredo Sauce|Vodka Sauce"
             "|Arrabbiata Sauce|Basil Pesto|Meat Sauce|Puttanesca Sauce|Roasted Garlic Pasta Sauce"
             "|Four Cheese Pasta Sauce|Mushroom Pasta Sauce|Pizza Sauce",
             f"{_O}|Low Sodium|No Sugar Added|Chunky|Homestyle|Traditional",
             "Spicy|Sweet Basil|Roasted Red Pepper|Tomato Herb",
             "24 oz|Jar|32 oz|2 Pack"),
        ),
    },
    "grains rice dried goods": {
        "department": "dry goods pasta", "catalog": 335, "demand": 0.6, "price": (0.99, 7.99),
        "brands": "pantry",
        "groups": (
            ("Long Grain White Rice|Brown Rice|Jasmine Rice|Basmati Rice|Quinoa|Arborio Rice"
             "|Wild Rice Blend|Couscous|Rolled Barley|Farro|Red Lentils|Green Lentils"
             "|Split Peas|Dried Black Beans|Bulgur Wheat|Sushi Rice|Polenta",
             f"{_O}|Instant|Whole Grain|Sprouted|Tricolor",
             "",
             "1 lb|2 lb|5 lb Bag|Microwavable Pouch"),
        ),
    },
    "instant foods": {
        "department": "dry goods pasta", "catalog": 540, "demand": 0.5, "price": (0.49, 4.99),
        "brands": "pasta",
        "groups": (
            ("Macaroni & Cheese|Shells & Cheese|Mac & Cheese Cups",
             f"{_O}|Gluten Free|Microwavable|Deluxe",
             "White Cheddar|Three Cheese|Spicy Cheddar|Truffle",
             "Box|4 Pack|6 Pack|12 Pack"),
            ("Instant Ramen|Cup Noodles|Rice Noodle Bowl|Udon Bowl",
             f"{_O}|Reduced Sodium|Spicy",
             "Chicken|Beef|Shrimp|Miso|Tonkotsu|Teriyaki|Kimchi",
             "Single|6 Pack|12 Pack"),
            ("Instant Mashed Potatoes|Rice Pilaf|Pasta Sides|Stuffing Mix|Boxed Rice Mix"
             "|Spanish Rice|Cheesy Broccoli Rice|Couscous Mix|Scalloped Potatoes",
             f"{_O}|Gluten Free|Reduced Sodium|Microwavable",
             "Roasted Garlic|Butter & Herb|Savory Herb",
             "Box|Pouch|Family Size"),
        ),
    },
    "fresh pasta": {
        "department": "dry goods pasta", "catalog": 125, "demand": 0.2, "price": (2.99, 8.99),
        "brands": "pasta",
        "groups": (
            ("Cheese Ravioli|Cheese Tortellini|Fresh Fettuccine|Fresh Linguine|Potato Gnocchi"
             "|Spinach Ravioli|Mushroom Ravioli|Lobster Ravioli|Fresh Pappardelle",
             f"{_O}|Gluten Free|Whole Wheat|Family Size",
             "Four Cheese|Spinach & Ricotta|Sausage|Butternut Squash",
             "9 oz|20 oz"),
        ),
    },
    # ------------------------------------------------------------------------- breakfast
    "cereal": {
        "department": "breakfast", "catalog": 455, "demand": 1.1, "price": (2.49, 6.99),
        "brands": "breakfast",
        "groups": (
            ("Toasted Oat Cereal|Honey Nut Toasted Oat Cereal|Corn Flakes|Bran Flakes"
             "|Frosted Shredded Wheat|Crispy Rice Cereal|Raisin Bran|Granola Clusters Cereal"
             "|Puffed Rice Cereal|Cocoa Puffs Cereal|Fruit Rings Cereal|Cinnamon Squares Cereal"
             "|Protein Cereal|Muesli|Wheat Squares|Multigrain Flakes",
             f"{_O}|Whole Grain|Gluten Free|Low Sugar|Kids",
             "Honey|Cinnamon|Berry|Chocolate|Peanut Butter|Maple|Vanilla Almond",
             "12 oz|Family Size|Giant Size|Single Serve"),
        ),
    },
    "granola": {
        "department": "breakfast", "catalog": 185, "demand": 0.3, "price": (2.99, 7.99),
        "brands": "breakfast",
        "groups": (
            ("Granola|Grain Free Granola|Granola Clusters|Low Sugar Granola|Keto Granola",
             f"{_O}|Gluten Free|Protein|Ancient Grains",
             "Honey Almond|Maple Pecan|Vanilla Blueberry|Dark Chocolate|Coconut Cashew|Cinnamon"
             "|Peanut Butter|Cranberry Almond",
             "11 oz|Bag|Family Size"),
        ),
    },
    "hot cereal pancake mixes": {
        "department": "breakfast", "catalog": 300, "demand": 0.5, "price": (1.99, 6.99),
        "brands": "breakfast",
        "groups": (
            ("Old Fashioned Oats|Quick Oats|Steel Cut Oats|Instant Oatmeal|Buttermilk Pancake Mix"
             "|Waffle Mix|Cream of Wheat|Grits|Protein Pancake Mix|Overnight Oats",
             f"{_O}|Gluten Free|Whole Grain|Protein",
             "Maple Brown Sugar|Apples & Cinnamon|Blueberry|Peaches & Cream|Original",
             "18 oz|42 oz|10 ct|Canister"),
        ),
    },
    "breakfast bars pastries": {
        "department": "breakfast", "catalog": 175, "demand": 0.3, "price": (1.99, 5.99),
        "brands": "breakfast",
        "groups": (
            ("Toaster Pastries|Breakfast Biscuits|Soft Baked Breakfast Bars|Cereal Bars"
             "|Breakfast Cookies|Oat Squares",
             f"{_O}|Whole Grain|Low Sugar|Frosted",
             "Strawberry|Blueberry|Brown Sugar Cinnamon|Apple Cinnamon|Chocolate Chip",
             "6 ct|8 ct|12 ct|Value Pack"),
        ),
    },
    # ------------------------------------------------------------------------- meat seafood
    "packaged poultry": {
        "department": "meat seafood", "catalog": 100, "demand": 0.8, "price": (4.49, 16.99),
        "brands": "meat",
        "groups": (
            ("Boneless Skinless Chicken Breasts|Chicken Thighs|Ground Turkey|Chicken Drumsticks"
             "|Chicken Wings|Chicken Tenderloins|Whole Chicken|Ground Chicken|Turkey Breast"
             "|Chicken Leg Quarters",
             f"{_O}|Free Range|Air Chilled|Antibiotic Free|Pasture Raised",
             "Lemon Herb|Teriyaki|Barbecue",
             "1 lb|Family Pack|Value Pack"),
        ),
    },
    "meat counter": {
        "department": "meat seafood", "catalog": 105, "demand": 0.4, "price": (5.99, 24.99),
        "brands": "meat",
        "groups": (
            ("Ground Beef 80/20|Ribeye Steak|New York Strip Steak|Pork Chops|Beef Stew Meat"
             "|Pork Tenderloin|Sirloin Steak|Lamb Chops|Flank Steak|Baby Back Ribs|Chuck Roast"
             "|Filet Mignon|Pork Shoulder|Short Ribs",
             f"{_O}|Grass Fed|Angus|Bone In|Boneless|Dry Aged",
             "",
             "1 lb|2 lb|Family Pack"),
        ),
    },
    "packaged meat": {
        "department": "meat seafood", "catalog": 100, "demand": 0.3, "price": (3.99, 14.99),
        "brands": "meat",
        "groups": (
            ("Lean Ground Beef|Ground Pork|Beef Patties|Pork Carnitas|Pulled Pork|Beef Meatballs"
             "|Italian Meatballs|Ground Bison|Sliced Steak Strips",
             f"{_O}|Grass Fed|Lean|Fully Cooked",
             "Barbecue|Italian Style|Chipotle",
             "1 lb|Family Pack|Value Pack"),
        ),
    },
    "hot dogs bacon sausage": {
        "department": "meat seafood", "catalog": 385, "demand": 0.6, "price": (2.99, 11.99),
        "brands": "meat",
        "groups": (
            ("Thick Cut Bacon|Turkey Bacon|Canadian Bacon|Center Cut Bacon",
             f"{_O}|Uncured|Applewood Smoked|Hickory Smoked|Reduced Sodium",
             "Maple|Peppered|Brown Sugar",
             "12 oz|16 oz|Family Pack|Value Pack"),
            ("Beef Hot Dogs|Chicken Franks|Jumbo Hot Dogs|Turkey Hot Dogs",
             f"{_O}|Uncured|Grass Fed|Reduced Fat|Skinless",
             "",
             "8 ct|12 oz|Family Pack"),
            ("Breakfast Sausage Links|Italian Sausage|Chicken Sausage|Bratwurst|Smoked Sausage"
             "|Chorizo|Kielbasa|Andouille Sausage|Pork Sausage Patties",
             f"{_O}|Uncured|Fully Cooked|Reduced Fat|Nitrate Free",
             "Maple|Spicy|Mild|Apple|Jalapeno Cheddar",
             "12 oz|16 oz|Family Pack|Value Pack"),
        ),
    },
    "seafood counter": {
        "department": "meat seafood", "catalog": 55, "demand": 0.25, "price": (6.99, 24.99),
        "brands": "seafood",
        "groups": (
            ("Atlantic Salmon Fillet|Shrimp|Cod Fillet|Tilapia Fillet|Sea Scallops|Tuna Steak"
             "|Mahi Mahi Fillet|Halibut Fillet|Crab Legs|Mussels|Lobster Tails|Trout Fillet",
             "Wild Caught|Farm Raised|Sustainably Sourced|Jumbo",
             "",
             "1 lb|Per Pound"),
        ),
    },
    "packaged seafood": {
        "department": "meat seafood", "catalog": 80, "demand": 0.15, "price": (4.99, 17.99),
        "brands": "seafood",
        "groups": (
            ("Smoked Salmon|Cooked Shrimp|Salmon Burgers|Crab Cakes|Imitation Crab|Tuna Poke"
             "|Smoked Trout|Pickled Herring",
             "Wild Caught|Cold Smoked|Hot Smoked|Farm Raised",
             "Lemon Dill|Cajun|Garlic",
             "4 oz|8 oz|Family Pack"),
        ),
    },
    "poultry counter": {
        "department": "meat seafood", "catalog": 80, "demand": 0.2, "price": (3.99, 14.99),
        "brands": "meat",
        "groups": (
            ("Chicken Breast Cutlets|Bone In Chicken Breast|Chicken Kebabs|Stuffed Chicken Breast"
             "|Turkey Cutlets|Cornish Hen|Duck Breast|Chicken Sausage Links",
             f"{_O}|Free Range|Marinated|Air Chilled",
             "Lemon Garlic|Greek|Chipotle",
             "Per Pound|Family Pack"),
        ),
    },
    # ------------------------------------------------------------------------- household
    "paper goods": {
        "department": "household", "catalog": 320, "demand": 0.5, "price": (1.99, 24.99),
        "brands": "household",
        "groups": (
            ("Paper Towels|Toilet Paper|Facial Tissues|Napkins|Bamboo Toilet Paper"
             "|Recycled Paper Towels|Flushable Wipes",
             "Ultra Soft|Extra Strong|Recycled|Select a Size|Lotion",
             "",
             "6 Rolls|12 Rolls|24 Rolls|Mega Roll|Family Pack|Box"),
        ),
    },
    "cleaning products": {
        "department": "household", "catalog": 655, "demand": 0.5, "price": (1.99, 12.99),
        "brands": "household",
        "groups": (
            ("All Purpose Cleaner|Disinfecting Wipes|Glass Cleaner|Bathroom Cleaner|Kitchen Cleaner"
             "|Toilet Bowl Cleaner|Floor Cleaner|Multi Surface Spray|Bleach|Wood Polish"
             "|Stainless Steel Cleaner|Oven Cleaner|Drain Cleaner",
             "Plant Based|Fragrance Free|Concentrated|Eco",
             "Lemon|Lavender|Fresh Scent|Eucalyptus|Citrus|Ocean Breeze|Unscented",
             "32 oz|Refill|2 Pack|Value Pack|Large"),
            ("Scrub Sponges|Microfiber Cloths|Toilet Brush|Scrub Brush|Mop Refills|Lint Roller",
             "Non Scratch|Heavy Duty|Reusable|Eco",
             "",
             "3 Pack|6 Pack|Single"),
        ),
    },
    "laundry": {
        "department": "household", "catalog": 505, "demand": 0.3, "price": (2.99, 19.99),
        "brands": "household",
        "groups": (
            ("Laundry Detergent|Laundry Pods|Fabric Softener|Dryer Sheets|Stain Remover"
             "|Oxygen Bleach|Wool Dryer Balls|Scent Booster",
             "Free & Clear|High Efficiency|Plant Based|Concentrated|Sensitive Skin",
             "Fresh Linen|Lavender|Spring Meadow|Unscented|Original",
             "50 oz|100 oz|42 ct|Value Pack"),
        ),
    },
    "dish detergents": {
        "department": "household", "catalog": 205, "demand": 0.3, "price": (1.99, 14.99),
        "brands": "household",
        "groups": (
            ("Dish Soap|Dishwasher Pods|Dishwasher Detergent|Rinse Aid|Dishwasher Cleaner",
             "Ultra Concentrated|Plant Based|Free & Clear|Antibacterial",
             "Lemon|Green Apple|Lavender|Grapefruit|Original",
             "24 oz|Refill|32 ct|Value Pack"),
        ),
    },
    "trash bags liners": {
        "department": "household", "catalog": 110, "demand": 0.15, "price": (3.99, 16.99),
        "brands": "household",
        "groups": (
            ("Tall Kitchen Trash Bags|Large Trash Bags|Small Trash Bags|Compostable Bags"
             "|Drawstring Trash Bags|Recycling Bags",
             "Odor Control|Extra Strong|Unscented|Recycled",
             "",
             "13 Gallon|30 Gallon|40 ct|80 ct"),
        ),
    },
    "food storage": {
        "department": "household", "catalog": 205, "demand": 0.2, "price": (1.99, 12.99),
        "brands": "household",
        "groups": (
            ("Sandwich Bags|Freezer Bags|Snack Bags|Slider Storage Bags|Storage Bags",
             "Heavy Duty|Reusable|Compostable|Double Zipper",
             "",
             "Gallon|Quart|50 ct|Value Pack"),
            ("Aluminum Foil|Plastic Wrap|Wax Paper|Parchment Roll|Beeswax Wraps|Storage Containers",
             "Heavy Duty|Non Stick|Reusable|Compostable",
             "",
             "75 sq ft|200 sq ft|Value Pack"),
        ),
    },
    "kitchen supplies": {
        "department": "household", "catalog": 220, "demand": 0.1, "price": (1.99, 19.99),
        "brands": "household",
        "groups": (
            ("Kitchen Sponges|Dish Brush|Rubber Gloves|Oven Mitts|Measuring Cups|Can Opener"
             "|Cutting Board|Spatula|Muffin Pan|Kitchen Towels|Vegetable Peeler",
             "Everyday|Premium|Heavy Duty",
             "",
             "Single|2 Pack|Set"),
        ),
    },
    "plates bowls cups flatware": {
        "department": "household", "catalog": 200, "demand": 0.1, "price": (1.99, 12.99),
        "brands": "household",
        "groups": (
            ("Paper Plates|Plastic Cups|Disposable Bowls|Plastic Forks|Party Cups|Paper Cups"
             "|Compostable Plates|Plastic Spoons|Bamboo Utensils",
             "Heavy Duty|Compostable|Everyday|Party",
             "",
             "20 ct|50 ct|100 ct|Value Pack"),
        ),
    },
    "air fresheners candles": {
        "department": "household", "catalog": 355, "demand": 0.1, "price": (2.49, 14.99),
        "brands": "household",
        "groups": (
            ("Scented Candle|Air Freshener Spray|Plug In Refill|Reed Diffuser|Odor Eliminator"
             "|Tea Lights|Car Air Freshener",
             "Soy|Natural|Long Lasting",
             "Lavender|Vanilla|Fresh Linen|Eucalyptus Mint|Apple Cinnamon|Ocean Breeze|Citrus",
             "Single|2 Pack|Large"),
        ),
    },
    # ------------------------------------------------------------------------- personal care
    "oral hygiene": {
        "department": "personal care", "catalog": 565, "demand": 0.2, "price": (1.99, 9.99),
        "brands": "personal",
        "groups": (
            ("Toothpaste|Toothbrush|Mouthwash|Dental Floss|Whitening Strips|Floss Picks"
             "|Electric Toothbrush Heads|Kids Toothpaste",
             "Whitening|Sensitive|Fluoride Free|Charcoal|Soft|Medium",
             "Fresh Mint|Spearmint|Cinnamon|Cool Mint|Bubble Gum",
             "Single|2 Pack|4 Pack|Travel Size"),
        ),
    },
    "soap": {
        "department": "personal care", "catalog": 525, "demand": 0.2, "price": (1.49, 9.99),
        "brands": "personal",
        "groups": (
            ("Hand Soap|Bar Soap|Foaming Hand Soap|Body Wash|Hand Sanitizer|Castile Soap"
             "|Hand Soap Refill",
             "Moisturizing|Antibacterial|Unscented|Natural|Sensitive Skin",
             "Lavender|Eucalyptus|Lemon Verbena|Coconut|Oatmeal|Tea Tree|Aloe|Sea Salt",
             "Single|3 Pack|Refill|Travel Size"),
        ),
    },
    "body lotions soap": {
        "department": "personal care", "catalog": 505, "demand": 0.15, "price": (2.99, 14.99),
        "brands": "personal",
        "groups": (
            ("Body Lotion|Hand Cream|Body Butter|Shower Gel|Body Scrub|Body Oil|Aloe Vera Gel",
             "Daily Moisture|Unscented|Intensive Repair|Sensitive Skin|Natural",
             "Shea Butter|Cocoa Butter|Coconut|Vanilla|Lavender|Oatmeal|Rose",
             "Travel Size|16 oz|Pump|Tube"),
        ),
    },
    "hair care": {
        "department": "personal care", "catalog": 815, "demand": 0.2, "price": (2.99, 14.99),
        "brands": "personal",
        "groups": (
            ("Shampoo|Conditioner|2 in 1 Shampoo|Dry Shampoo|Leave In Conditioner|Hair Mask"
             "|Styling Gel|Hair Spray|Hair Oil|Kids Shampoo",
             "Volumizing|Moisturizing|Clarifying|Color Safe|Sulfate Free|Anti Dandruff|Curl",
             "Coconut|Argan Oil|Tea Tree|Lavender|Rosemary Mint|Citrus|Honey",
             "Travel Size|12 oz|Pump|Value Size"),
        ),
    },
    "vitamins supplements": {
        "department": "personal care", "catalog": 1040, "demand": 0.35, "price": (4.99, 29.99),
        "brands": "personal",
        "groups": (
            ("Multivitamin|Vitamin D3|Vitamin C|Fish Oil|Probiotic|Magnesium|Zinc|Melatonin"
             "|Vitamin B12|Collagen Peptides|Elderberry|Calcium|Iron|Turmeric|Biotin"
             "|Prenatal Vitamin|Omega-3|Ashwagandha|Electrolyte Tablets|Fiber Supplement",
             "Gummy|Chewable|Extra Strength|Vegan|Women's|Men's|Kids|50+",
             "Orange|Berry|Lemon|Unflavored",
             "30 ct|60 ct|90 ct|120 ct"),
        ),
    },
    "cold flu allergy": {
        "department": "personal care", "catalog": 425, "demand": 0.1, "price": (3.99, 19.99),
        "brands": "personal",
        "groups": (
            ("Cough Drops|Cough Syrup|Sore Throat Lozenges|Cold & Flu Relief Liquid",
             "Sugar Free|Nighttime|Daytime|Kids|Maximum Strength",
             "Honey Lemon|Cherry|Menthol|Citrus",
             "24 ct|48 ct|4 oz|8 oz"),
            ("Allergy Relief Tablets|Nasal Spray|Saline Nasal Mist|Vapor Rub|Cold & Flu Capsules"
             "|Sinus Relief Tablets",
             "Non Drowsy|Nighttime|Daytime|Kids|Maximum Strength",
             "",
             "24 ct|48 ct|Single|Value Pack"),
        ),
    },
    "deodorants": {
        "department": "personal care", "catalog": 315, "demand": 0.05, "price": (2.99, 12.99),
        "brands": "personal",
        "groups": (
            ("Deodorant Stick|Antiperspirant|Natural Deodorant|Deodorant Spray|Roll On Deodorant",
             "Aluminum Free|Clinical Strength|Invisible|Sensitive|Women's|Men's",
             "Fresh|Lavender|Coconut|Cedarwood|Unscented|Cucumber",
             "Single|2 Pack|Travel Size"),
        ),
    },
    "facial care": {
        "department": "personal care", "catalog": 275, "demand": 0.05, "price": (3.99, 24.99),
        "brands": "personal",
        "groups": (
            ("Face Wash|Facial Moisturizer|Micellar Water|Sunscreen Lotion|Face Serum|Eye Cream"
             "|Makeup Remover Wipes|Facial Toner|Night Cream|Clay Mask",
             "Hydrating|Oil Free|Fragrance Free|Sensitive Skin|SPF 30|SPF 50|Brightening",
             "Vitamin C|Hyaluronic Acid|Green Tea|Charcoal|Rose|Retinol",
             "Travel Size|Pump|Tube|Jar"),
        ),
    },
    "feminine care": {
        "department": "personal care", "catalog": 285, "demand": 0.05, "price": (3.99, 14.99),
        "brands": "personal",
        "groups": (
            ("Tampons|Pads|Panty Liners",
             f"{_O}|Ultra Thin|Overnight|Regular|Super|Unscented",
             "",
             "18 ct|32 ct|Value Pack"),
            ("Menstrual Cup|Period Underwear|Feminine Wipes|Intimate Wash",
             f"{_O}|Unscented|Sensitive",
             "",
             "Single|2 Pack"),
        ),
    },
    "first aid": {
        "department": "personal care", "catalog": 240, "demand": 0.05, "price": (1.99, 14.99),
        "brands": "personal",
        "groups": (
            ("Adhesive Bandages|Pain Relief Tablets|Gauze Pads|Allergy Tablets|Cotton Swabs",
             "Flexible Fabric|Waterproof|Kids|Extra Strength|Sterile",
             "",
             "30 ct|100 ct|Travel Size|Family Size"),
            ("Antibiotic Ointment|Hydrogen Peroxide|Rubbing Alcohol|Hydrocortisone Cream"
             "|First Aid Kit|Ice Pack|Heat Wrap|Aloe After Sun Gel",
             "Maximum Strength|Kids|Travel|Reusable",
             "",
             "Tube|16 oz|Single"),
        ),
    },
    "shave needs": {
        "department": "personal care", "catalog": 200, "demand": 0.05, "price": (2.99, 19.99),
        "brands": "personal",
        "groups": (
            ("Razor Cartridges|Disposable Razors|Shave Gel|Shave Cream|Aftershave Balm|Beard Oil",
             "Sensitive|Women's|Men's|5 Blade|3 Blade",
             "Aloe|Coconut|Sandalwood|Unscented",
             "4 ct|8 ct|Single|Travel Size"),
        ),
    },
    # ------------------------------------------------------------------------- babies
    "baby food formula": {
        "department": "babies", "catalog": 720, "demand": 0.9, "price": (1.49, 29.99),
        "brands": "baby",
        "groups": (
            ("Baby Food Pouch|Infant Formula|Toddler Formula|Baby Cereal|Teething Wafers"
             "|Puffs|Yogurt Melts|Toddler Snack Bars|Stage 1 Puree|Stage 2 Puree",
             f"{_O}|Non GMO|Sensitive|Hypoallergenic|Gentle",
             "Apple Banana|Pear Spinach|Sweet Potato|Mango|Strawberry Beet|Carrot Apple|Blueberry"
             "|Oatmeal",
             "4 oz|6 Pack|12 Pack|Canister"),
        ),
    },
    "diapers wipes": {
        "department": "babies", "catalog": 190, "demand": 0.3, "price": (3.99, 29.99),
        "brands": "baby",
        "groups": (
            ("Baby Wipes|Diapers|Overnight Diapers|Training Pants|Swim Diapers|Diaper Rash Cream",
             "Sensitive|Fragrance Free|Plant Based|Ultra Soft",
             "",
             "Newborn|Size 1|Size 2|Size 3|Size 4|Size 5|Value Pack"),
        ),
    },
    "baby bath body care": {
        "department": "babies", "catalog": 130, "demand": 0.1, "price": (2.99, 14.99),
        "brands": "baby",
        "groups": (
            ("Baby Shampoo|Baby Lotion|Baby Wash|Baby Oil|Baby Powder|Baby Sunscreen",
             f"{_O}|Tear Free|Fragrance Free|Calming",
             "Lavender|Chamomile|Oatmeal",
             "Travel Size|16 oz|Pump"),
        ),
    },
    "baby accessories": {
        "department": "babies", "catalog": 45, "demand": 0.02, "price": (2.99, 19.99),
        "brands": "baby",
        "groups": (
            ("Pacifier|Baby Bottle|Sippy Cup|Bibs|Teether|Nipples|Bottle Brush",
             "BPA Free|Silicone|Glass|Newborn",
             "",
             "Single|2 Pack|3 Pack"),
        ),
    },
    # ------------------------------------------------------------------------- international
    "asian foods": {
        "department": "international", "catalog": 605, "demand": 0.5, "price": (0.99, 7.99),
        "brands": "asian",
        "groups": (
            ("Coconut Milk|Rice Noodles|Red Curry Paste|Fish Sauce|Sesame Seeds|Nori Sheets"
             "|Miso Paste|Udon Noodles|Gochujang|Sweet Chili Sauce|Oyster Sauce|Panko"
             "|Wonton Wrappers|Furikake|Tamari|Rice Paper|Green Curry Paste|Ponzu",
             f"{_O}|Light|Reduced Sodium|Gluten Free",
             "Spicy|Garlic|Ginger",
             "Jar|Can|Bottle|Pack"),
        ),
    },
    "latino foods": {
        "department": "international", "catalog": 255, "demand": 0.2, "price": (0.99, 6.99),
        "brands": "latino",
        "groups": (
            ("Taco Sauce|Enchilada Sauce|Refried Black Beans|Chipotle Peppers in Adobo"
             "|Mole Sauce|Salsa Casera|Masa Harina|Taco Kit|Tostada Shells|Adobo Seasoning"
             "|Sofrito|Hot Taco Sauce|Green Enchilada Sauce",
             "Authentic|Mild|Medium|Hot|Organic",
             "",
             "Can|Jar|Bottle|Kit"),
        ),
    },
    "indian foods": {
        "department": "international", "catalog": 110, "demand": 0.08, "price": (1.49, 6.99),
        "brands": "indian",
        "groups": (
            ("Tikka Masala Simmer Sauce|Butter Chicken Sauce|Mango Chutney|Dal Makhani"
             "|Chana Masala|Palak Paneer|Korma Sauce|Lime Pickle|Papadums|Vindaloo Sauce",
             f"{_O}|Mild|Medium|Hot",
             "",
             "Pouch|Jar|Can"),
        ),
    },
    "kosher foods": {
        "department": "international", "catalog": 170, "demand": 0.05, "price": (1.99, 9.99),
        "brands": "kosher",
        "groups": (
            ("Matzo|Matzo Ball Soup Mix|Gefilte Fish|Potato Latkes|Kosher Dill Pickles"
             "|Matzo Meal|Horseradish Sauce",
             "Whole Wheat|Unsalted|Traditional|Egg",
             "",
             "Box|Jar|Pack"),
            ("Challah|Babka|Rugelach|Mandelbrot|Honey Cake",
             "Traditional|Mini|Round",
             "Chocolate|Cinnamon|Raisin",
             "Loaf|Box|Pack"),
        ),
    },
    # ------------------------------------------------------------------------- alcohol
    "beers coolers": {
        "department": "alcohol", "catalog": 385, "demand": 0.25, "price": (5.99, 22.99),
        "brands": "brewery",
        "groups": (
            ("India Pale Ale|Lager|Pilsner|Hard Seltzer|Wheat Beer|Stout|Pale Ale|Amber Ale"
             "|Hard Cider|Session IPA|Hazy IPA|Mexican Lager|Light Beer|Sour Ale",
             "Craft|Imported|Light|Non Alcoholic|Seasonal",
             "Lime|Black Cherry|Mango|Grapefruit|Citrus|Raspberry",
             "6 Pack|12 Pack|24 Pack|4 Pack"),
        ),
    },
    "red wines": {
        "department": "alcohol", "catalog": 230, "demand": 0.1, "price": (7.99, 34.99),
        "brands": "winery",
        "groups": (
            ("Cabernet Sauvignon|Pinot Noir|Merlot|Red Blend|Malbec|Zinfandel|Syrah|Chianti"
             "|Tempranillo|Rioja|Shiraz|Cotes du Rhone",
             "Reserve|Organic|Old Vine|Estate",
             "",
             "750 ml|1.5 L|Box"),
        ),
    },
    "white wines": {
        "department": "alcohol", "catalog": 145, "demand": 0.08, "price": (6.99, 29.99),
        "brands": "winery",
        "groups": (
            ("Sauvignon Blanc|Chardonnay|Pinot Grigio|Riesling|Rose|Moscato|Vinho Verde"
             "|Albarino|Chenin Blanc|Gruner Veltliner",
             "Reserve|Organic|Unoaked|Dry|Sparkling",
             "",
             "750 ml|1.5 L|Box"),
        ),
    },
    "spirits": {
        "department": "alcohol", "catalog": 195, "demand": 0.05, "price": (12.99, 49.99),
        "brands": "distillery",
        "groups": (
            ("Vodka|Bourbon Whiskey|Silver Tequila|London Dry Gin|Spiced Rum|White Rum"
             "|Rye Whiskey|Reposado Tequila|Mezcal|Brandy|Scotch Whisky|Coffee Liqueur",
             "Small Batch|Single Barrel|Aged|Premium",
             "",
             "750 ml|1 L|375 ml"),
        ),
    },
    "specialty wines champagnes": {
        "department": "alcohol", "catalog": 95, "demand": 0.03, "price": (9.99, 49.99),
        "brands": "winery",
        "groups": (
            ("Prosecco|Champagne|Cava|Sparkling Rose|Port|Sake|Dessert Wine|Vermouth",
             "Brut|Extra Dry|Demi Sec|Reserve",
             "",
             "750 ml|375 ml"),
        ),
    },
    # ------------------------------------------------------------------------- pets
    "dog food care": {
        "department": "pets", "catalog": 475, "demand": 0.15, "price": (0.99, 29.99),
        "brands": "pet",
        "groups": (
            ("Dry Dog Food|Wet Dog Food|Dog Treats|Dog Dental Chews|Puppy Food|Dog Biscuits"
             "|Rawhide Chews|Poop Bags|Dog Shampoo|Training Treats",
             "Grain Free|Small Breed|Large Breed|Senior|Natural|High Protein",
             "Chicken|Beef|Salmon|Lamb & Rice|Turkey|Peanut Butter",
             "4 lb|15 lb|30 lb|Can|12 Pack"),
        ),
    },
    "cat food care": {
        "department": "pets", "catalog": 500, "demand": 0.15, "price": (0.79, 24.99),
        "brands": "pet",
        "groups": (
            ("Dry Cat Food|Wet Cat Food|Cat Treats|Clumping Cat Litter|Kitten Food|Cat Pate"
             "|Hairball Control Food|Catnip Toys|Lickable Cat Treats",
             "Grain Free|Indoor|Senior|Natural|Unscented|Lightweight",
             "Chicken|Salmon|Tuna|Turkey|Ocean Whitefish|Seafood Medley",
             "3 oz|3 lb|12 lb|20 lb|12 Pack|24 Pack"),
        ),
    },
    # ------------------------------------------------------------------------- bulk
    "bulk grains rice dried goods": {
        "department": "bulk", "catalog": 30, "demand": 0.06, "price": (1.99, 9.99),
        "brands": "bulk",
        "groups": (
            ("Bulk Rolled Oats|Bulk Brown Rice|Bulk Quinoa|Bulk Black Beans|Bulk Lentils"
             "|Bulk Chickpeas|Bulk Flour|Bulk Popcorn Kernels",
             f"{_O}|Sprouted",
             "",
             "Per Pound|5 lb"),
        ),
    },
    "bulk dried fruits vegetables": {
        "department": "bulk", "catalog": 15, "demand": 0.04, "price": (2.99, 12.99),
        "brands": "bulk",
        "groups": (
            ("Bulk Raisins|Bulk Dried Cranberries|Bulk Dried Mango|Bulk Almonds|Bulk Trail Mix"
             "|Bulk Dried Apricots|Bulk Banana Chips",
             f"{_O}|Unsulfured",
             "",
             "Per Pound|2 lb"),
        ),
    },
    # ------------------------------------------------------------------------- other
    "other": {
        "department": "other", "catalog": 120, "demand": 0.1, "price": (0.99, 14.99),
        "brands": "store",
        "groups": (
            ("Reusable Grocery Bag|Greeting Card|Gift Bag|Party Balloons|Flower Bouquet"
             "|Bag of Ice|AA Batteries|AAA Batteries|Matches|Lighter|Phone Charging Cable"
             "|Gift Wrap|Insulated Cooler Bag",
             "Large|Small|Assorted|Recycled",
             "",
             "Single|2 Pack|4 Pack"),
        ),
    },
}

#: Multipliers on an item's unit price when its name contains the word (case-sensitive words).
PRICE_MULTIPLIERS: dict[str, float] = {
    "Organic": 1.35,
    "Grass Fed": 1.3,
    "Pasture Raised": 1.4,
    "Wild Caught": 1.35,
    "Artisan": 1.3,
    "Premium": 1.3,
    "Reserve": 1.5,
    "Imported": 1.25,
    "Single Origin": 1.3,
    "Small Batch": 1.3,
    "Single Barrel": 1.5,
    "Dry Aged": 1.6,
    "Truffle": 1.5,
    "Gluten Free": 1.2,
    "Cold Pressed": 1.25,
    "Family Size": 1.6,
    "Family Pack": 1.6,
    "Value Pack": 1.8,
    "Party Size": 1.7,
    "Multipack": 1.7,
    "12 Pack": 2.2,
    "24 Pack": 3.0,
    "6 Pack": 1.5,
    "Gallon": 1.6,
    "5 lb Bag": 2.0,
    "30 lb": 2.5,
    "20 lb": 2.2,
    "15 lb": 2.0,
    "12 lb": 1.8,
    "24 ct": 1.6,
    "18 ct": 1.3,
    "24 Rolls": 2.0,
    "Mini": 0.75,
    "Snack Size": 0.7,
    "Single": 0.6,
    "Travel Size": 0.5,
    "Store Brand": 0.8,
    "Cartwise Basics": 0.75,
    "Everyday Value": 0.75,
}

#: Aisle pairs that complement each other in a basket (bought together more than by chance).
COMPLEMENTS: tuple[tuple[str, str], ...] = (
    ("dry pasta", "pasta sauce"),
    ("fresh pasta", "pasta sauce"),
    ("chips pretzels", "fresh dips tapenades"),
    ("chips pretzels", "preserved dips spreads"),
    ("cereal", "milk"),
    ("cereal", "soy lactosefree"),
    ("granola", "yogurt"),
    ("bread", "spreads"),
    ("bread", "lunch meat"),
    ("bread", "butter"),
    ("hot dogs bacon sausage", "buns rolls"),
    ("meat counter", "buns rolls"),
    ("packaged meat", "buns rolls"),
    ("tortillas flat bread", "latino foods"),
    ("tortillas flat bread", "canned meals beans"),
    ("beers coolers", "chips pretzels"),
    ("coffee", "cream"),
    ("crackers", "specialty cheeses"),
    ("crackers", "packaged cheese"),
    ("red wines", "specialty cheeses"),
    ("white wines", "specialty cheeses"),
    ("specialty wines champagnes", "specialty cheeses"),
    ("diapers wipes", "baby food formula"),
    ("baby bath body care", "diapers wipes"),
    ("fresh vegetables", "fresh herbs"),
    ("fresh vegetables", "packaged vegetables fruits"),
    ("fresh fruits", "yogurt"),
    ("ice cream ice", "ice cream toppings"),
    ("frozen pizza", "soft drinks"),
    ("hot cereal pancake mixes", "honeys syrups nectars"),
    ("baking ingredients", "eggs"),
    ("doughs gelatins bake mixes", "eggs"),
    ("packaged poultry", "marinades meat preparation"),
    ("seafood counter", "fresh fruits"),
    ("salad dressing toppings", "packaged vegetables fruits"),
    ("tea", "honeys syrups nectars"),
    ("asian foods", "grains rice dried goods"),
    ("indian foods", "grains rice dried goods"),
    ("paper goods", "cleaning products"),
    ("dish detergents", "kitchen supplies"),
    ("laundry", "paper goods"),
    ("oral hygiene", "soap"),
    ("shave needs", "deodorants"),
    ("spirits", "soft drinks"),
    ("spirits", "water seltzer sparkling water"),
    ("cookies cakes", "milk"),
    ("soup broth bouillon", "crackers"),
    ("lunch meat", "packaged cheese"),
    ("plates bowls cups flatware", "soft drinks"),
    ("tofu meat alternatives", "asian foods"),
    ("frozen meals", "frozen appetizers sides"),
    ("dog food care", "dog food care"),
    ("cat food care", "cat food care"),
)

#: Shopper taste archetypes: population share, department and aisle multipliers (1 = neutral).
PERSONA_ARCHETYPES: dict[str, dict[str, object]] = {
    "everyday family": {
        "share": 3.0,
        "departments": {"dairy eggs": 1.3, "snacks": 1.4, "bakery": 1.3, "breakfast": 1.6,
                        "beverages": 1.1, "frozen": 1.2},
        "aisles": {"milk": 1.5, "cereal": 1.6, "juice nectars": 1.5, "fruit vegetable snacks": 2.0},
    },
    "young parents": {
        "share": 1.2,
        "departments": {"babies": 12.0, "dairy eggs": 1.2, "produce": 1.1, "snacks": 1.2},
        "aisles": {"yogurt": 1.5, "fruit vegetable snacks": 2.5},
    },
    "healthy organic": {
        "share": 2.0,
        "departments": {"produce": 1.8, "bulk": 6.0, "snacks": 0.6, "alcohol": 0.4, "frozen": 0.6,
                        "deli": 1.2},
        "aisles": {"packaged vegetables fruits": 1.8, "tofu meat alternatives": 3.0,
                   "soy lactosefree": 2.0, "nuts seeds dried fruit": 2.0, "refrigerated": 1.8},
    },
    "home cook": {
        "share": 2.0,
        "departments": {"produce": 1.4, "pantry": 2.0, "meat seafood": 2.2, "dry goods pasta": 1.6,
                        "international": 1.6, "frozen": 0.5, "canned goods": 1.3},
        "aisles": {"fresh herbs": 3.0, "spices seasonings": 2.0, "oils vinegars": 2.0},
    },
    "party host": {
        "share": 0.8,
        "departments": {"alcohol": 12.0, "snacks": 2.0, "beverages": 1.5, "deli": 1.4,
                        "household": 1.2},
        "aisles": {"chips pretzels": 2.0, "plates bowls cups flatware": 4.0,
                   "fresh dips tapenades": 2.0, "specialty cheeses": 2.5},
    },
    "pet owner": {
        "share": 1.0,
        "departments": {"pets": 30.0, "household": 1.3},
        "aisles": {},
    },
    "busy professional": {
        "share": 1.6,
        "departments": {"frozen": 2.2, "deli": 2.2, "beverages": 1.4, "produce": 0.7,
                        "pantry": 0.6},
        "aisles": {"prepared meals": 3.0, "coffee": 2.0, "refrigerated": 1.6},
    },
    "baker": {
        "share": 0.7,
        "departments": {"pantry": 2.2, "dairy eggs": 1.4, "bakery": 1.2},
        "aisles": {"baking ingredients": 4.0, "baking supplies decor": 5.0, "butter": 3.0,
                   "eggs": 2.0, "doughs gelatins bake mixes": 3.0},
    },
    "student": {
        "share": 1.2,
        "departments": {"frozen": 1.8, "snacks": 1.8, "beverages": 1.5, "dry goods pasta": 1.8,
                        "produce": 0.5, "alcohol": 1.5},
        "aisles": {"instant foods": 4.0, "frozen pizza": 3.0, "energy sports drinks": 3.0,
                   "soft drinks": 2.0},
    },
    "household stock-up": {
        "share": 0.8,
        "departments": {"household": 6.0, "personal care": 3.5, "canned goods": 1.5},
        "aisles": {"paper goods": 2.0},
    },
    "international kitchen": {
        "share": 0.8,
        "departments": {"international": 8.0, "produce": 1.3, "pantry": 1.3},
        "aisles": {"grains rice dried goods": 2.5, "fresh herbs": 2.0},
    },
    "coffee and breakfast": {
        "share": 1.0,
        "departments": {"beverages": 1.6, "breakfast": 2.8, "bakery": 1.6},
        "aisles": {"coffee": 4.0, "cream": 2.5, "breakfast bakery": 2.0},
    },
    "plant based": {
        "share": 0.8,
        "departments": {"produce": 2.0, "deli": 1.3, "meat seafood": 0.05, "dairy eggs": 0.4},
        "aisles": {"tofu meat alternatives": 6.0, "soy lactosefree": 5.0,
                   "frozen vegan vegetarian": 6.0, "canned meals beans": 2.0},
    },
    "senior": {
        "share": 1.0,
        "departments": {"canned goods": 2.0, "breakfast": 1.5, "personal care": 1.8,
                        "bakery": 1.3, "alcohol": 0.5, "snacks": 0.7},
        "aisles": {"hot cereal pancake mixes": 3.0, "soup broth bouillon": 2.0,
                   "vitamins supplements": 2.5},
    },
    "fitness": {
        "share": 0.9,
        "departments": {"produce": 1.5, "meat seafood": 1.6, "dairy eggs": 1.2, "snacks": 0.8,
                        "beverages": 1.2},
        "aisles": {"energy granola bars": 3.0, "packaged poultry": 2.5, "eggs": 2.0,
                   "energy sports drinks": 2.5, "vitamins supplements": 2.0, "yogurt": 1.5},
    },
    "snacker": {
        "share": 1.0,
        "departments": {"snacks": 2.8, "beverages": 1.5, "frozen": 1.3, "produce": 0.7},
        "aisles": {"candy chocolate": 3.0, "cookies cakes": 2.5, "ice cream ice": 2.0},
    },
}

#: Words that mark everyday staples in a foreign catalogue's names (``--catalog``), most common
#: first; matched case-insensitively as whole words.
STAPLE_KEYWORDS: tuple[str, ...] = (
    "banana", "bananas", "strawberries", "spinach", "avocado", "lemon", "lemons", "limes", "milk",
    "eggs", "blueberries", "raspberries", "cucumber", "onion", "garlic", "apple", "apples",
    "tomatoes", "carrots", "broccoli", "cilantro", "zucchini", "potatoes", "yogurt", "butter",
    "bread", "cheese", "water", "half & half", "cream", "chicken", "grapes", "peppers",
)
