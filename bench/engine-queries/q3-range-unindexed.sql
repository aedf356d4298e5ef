\set a random(0, 990)
select count(*) from eq_order where amount between :a::numeric and :a::numeric + 5;
